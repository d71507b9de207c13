import Foundation
import TraceshModel

/// Paths as a user types them in `save`, `load`, `record` and `replay`.
public enum UserPath {
    /// `~` and `~/...` with the home directory put in (Tab completion inserts them, as a shell
    /// would expand them); any other path is returned as it is.
    public static func expand(_ path: String, home: String? = homeDirectory()) -> String {
        guard let home, path == "~" || path.hasPrefix("~/") else { return path }
        return home + path.dropFirst()
    }

    /// `$HOME`, else the home directory of the effective user.
    public static func homeDirectory() -> String? {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    /// The path a write to `path` really reaches: symbolic links followed to their target, even
    /// one that does not exist yet (as `>` in a shell does), so that replacing a file replaces
    /// the target and not the link.
    static func resolvingLinks(_ path: String, for operation: FileError.Operation) throws(FileError) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            if isPlantedLink(current, owner: info.st_uid) {
                throw FileError(operation, path, reason: "it is a symbolic link in a shared sticky directory, owned by another user; "
                                + "tracesh does not follow it (as the kernel's fs.protected_symlinks would not)")
            }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            guard length >= 0 else { throw FileError(operation, path, errno: errno) }
            let target = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : directory(of: current) + "/" + target
        }
        throw FileError(operation, path, errno: ELOOP)
    }

    /// Whether following `link` could let another user redirect root's write: the link sits in a
    /// sticky, world-writable directory (like /tmp) and belongs neither to us nor to the directory's
    /// owner. The kernel refuses to follow such links on open; resolving by hand must refuse too.
    static func isPlantedLink(_ link: String, owner: uid_t) -> Bool {
        var parent = stat()
        guard stat(directory(of: link), &parent) == 0 else { return false }
        let sharedSticky = parent.st_mode & S_ISVTX != 0 && parent.st_mode & S_IWOTH != 0
        return sharedSticky && owner != geteuid() && owner != parent.st_uid
    }

    /// The directory part of a path ("." for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
