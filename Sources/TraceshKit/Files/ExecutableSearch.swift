import Foundation
import TraceshModel

/// Finds programs the way a shell does, for bpftrace and for a run's `-- COMMAND`.
public enum ExecutableSearch {
    /// The first executable regular file `name` in the directories of `searchPath` (a PATH
    /// value; an empty entry means the current directory), then in `fallbacks`. A name with a
    /// slash is not searched for: it is the answer when it is executable.
    public static func find(_ name: String, searchPath: String?, fallbacks: [String] = []) -> String? {
        if name.contains("/") { return isExecutable(name) ? name : nil }
        let directories = (searchPath ?? "/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false).map(String.init) + fallbacks
        for directory in directories {
            let path = (directory.isEmpty ? "." : directory) + "/" + name
            if isExecutable(path) { return path }
        }
        return nil
    }

    /// `find` with this process's PATH.
    public static func find(_ name: String, fallbacks: [String] = []) -> String? {
        find(name, searchPath: ProcessInfo.processInfo.environment["PATH"], fallbacks: fallbacks)
    }

    /// A regular file we may execute (a directory has execute bits too, but cannot be run).
    public static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }
}
