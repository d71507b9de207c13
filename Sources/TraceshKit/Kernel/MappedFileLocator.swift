import Foundation

/// Finds the file a process mapped from what the kernel said of it, its name and inode (see
/// `KernelMapping`), once the process is gone and its `/proc/PID/maps` with it: the first file
/// of that name, in the places it could have been loaded from, whose inode is the one mapped.
enum MappedFileLocator {
    /// `known`: files the process is known to have mapped or run (their directories come first).
    static func locate(name: String, inode: UInt64, near known: [String]) -> String? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        var directories: [String] = []
        for path in known where path.hasPrefix("/") {
            let directory = (path as NSString).deletingLastPathComponent
            if !directories.contains(directory) { directories.append(directory) }
        }
        for directory in directories + systemDirectories {
            let path = directory + "/" + name
            if Self.inode(of: path) == inode { return path }
        }
        return nil
    }

    static func inode(of path: String) -> UInt64? {
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_ino) : nil
    }

    /// The dynamic loader's own places (`/etc/ld.so.conf` and its includes, then the defaults),
    /// then `$PATH` for executables.
    static let systemDirectories: [String] = {
        var directories: [String] = []
        func add(_ directory: String) { if !directories.contains(directory) { directories.append(directory) } }
        func read(_ file: String, depth: Int) {
            guard depth < 3, let text = try? String(contentsOfFile: file, encoding: .utf8) else { return }
            for raw in text.split(separator: "\n") {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                if line.hasPrefix("include ") {
                    for included in glob(String(line.dropFirst("include ".count)).trimmingCharacters(in: .whitespaces)) { read(included, depth: depth + 1) }
                } else if line.hasPrefix("/") {
                    add(line)
                }
            }
        }
        read("/etc/ld.so.conf", depth: 0)
        for directory in ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"] { add(directory) }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where directory.hasPrefix("/") {
            add(String(directory))
        }
        return directories
    }()

    private static func glob(_ pattern: String) -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        guard Glibc.glob(pattern, 0, nil, &found) == 0 else { return [] }
        return (0..<Int(found.gl_pathc)).compactMap { found.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}
