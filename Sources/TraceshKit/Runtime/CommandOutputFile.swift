import Foundation
import TraceshModel
import TraceshFiles

/// Opens the file of `run ... -- COMMAND > FILE` for the command's standard output.
public enum CommandOutputFile {
    /// A write descriptor for the redirection's file: created with mode 0644 (less the umask)
    /// when missing, truncated for `>` and appended to for `>>`, close-on-exec so that only the
    /// traced command (which gets a copy as its stdout) and never bpftrace inherits it.
    /// Throws a located diagnostic naming the file when it cannot be opened.
    public static func open(_ redirection: OutputRedirection) throws -> Int32 {
        let path = expandingTilde(redirection.path)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (redirection.append ? O_APPEND : O_TRUNC)
        let descriptor = Foundation.open(path, flags, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw Diagnostic("cannot write the command's output to '\(path)': \(reason)", at: redirection.location)
        }
        return descriptor
    }

    /// `~` and `~/...` name the home directory, `~USER/...` that user's, as in a shell.
    static func expandingTilde(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let slash = path.firstIndex(of: "/") ?? path.endIndex
        let user = String(path[path.index(after: path.startIndex)..<slash])
        let home: String?
        if user.isEmpty {
            home = ProcessInfo.processInfo.environment["HOME"] ?? getpwuid(getuid()).flatMap { String(cString: $0.pointee.pw_dir) }
        } else {
            home = getpwnam(user).flatMap { String(cString: $0.pointee.pw_dir) }
        }
        guard let home else { return path }
        return home + path[slash...]
    }
}
