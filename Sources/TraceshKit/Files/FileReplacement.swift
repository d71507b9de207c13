import Foundation
import TraceshModel

/// Writes a file the way an operator expects when tracesh runs as root and the path already
/// names something:
///
/// - a symbolic link is followed, and its target is written (the link stays a link);
/// - a regular file is replaced atomically: a new file in the same directory, readable only by
///   root while it is written, synced, given the old file's owner and mode, then renamed over it,
///   so a reader never sees half a file and a crash never leaves the old one truncated;
/// - a character or block device or a FIFO is written in place (`save /dev/null` must not put a
///   regular file where /dev/null was);
/// - a directory, a socket and the kernel's own files (proc, sysfs, tracefs...) are refused.
///
/// A new file is created with `newFileMode` (less the umask).
public final class FileReplacement {
    /// The path really written (symbolic links followed).
    public let target: String
    /// Where bytes go: the temporary file, or the device or FIFO itself.
    private(set) var descriptor: Int32
    /// The temporary file renamed over `target` on commit; nil when writing in place.
    private let temporary: String?

    /// The path of the new file while it is written (nil when a device or FIFO is written in
    /// place), for writers that need a path rather than bytes (a database).
    public var temporaryPath: String? { temporary }
    /// Owner and mode to give the new file: the old file's, or nil for a brand new file.
    private let preserved: (uid: uid_t, gid: gid_t, mode: mode_t)?
    private let path: String

    public init(path: String, newFileMode: mode_t) throws(FileError) {
        self.path = path
        self.newFileMode = newFileMode
        let target = try UserPath.resolvingLinks(path, for: .write)
        self.target = target
        let preserved: (uid: uid_t, gid: gid_t, mode: mode_t)?
        var existing = stat()
        if stat(target, &existing) == 0 {
            let kind = FileKind(mode: existing.st_mode)
            switch kind {
            case .characterDevice, .blockDevice, .fifo:
                let opened = Self.openRetrying(target, O_WRONLY | O_CLOEXEC | O_NOCTTY, 0)
                guard opened >= 0 else { throw FileError(.write, path, errno: errno) }
                descriptor = opened
                temporary = nil
                self.preserved = nil
                return
            case .regular:
                if let system = KernelFileSystem.name(of: target) {
                    throw FileError(.write, path, reason: "it is a file of the kernel's \(system) file system, not a place to save to")
                }
                preserved = (existing.st_uid, existing.st_gid, existing.st_mode & 0o7777)
            default:
                throw FileError(.write, path, reason: "it is \(kind.phrase)")
            }
        } else if errno == ENOENT {
            preserved = nil
        } else {
            throw FileError(.write, path, errno: errno)
        }
        let directory = UserPath.directory(of: target)
        if let system = KernelFileSystem.name(of: directory) {
            throw FileError(.write, path, reason: "'\(directory)' belongs to the kernel's \(system) file system, not a place to save to")
        }
        // Root-only while it is written; the final owner and mode are applied on commit.
        let mode: mode_t = preserved == nil ? newFileMode & 0o600 : 0o600
        var created: (Int32, String)?
        for _ in 0..<8 {
            let candidate = directory + "/.tracesh-" + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".tmp"
            let opened = Self.openRetrying(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if opened >= 0 { created = (opened, candidate); break }
            if errno != EEXIST {
                throw FileError(.write, path, reason: "cannot create a file in '\(directory)' to write it safely: \(String(cString: strerror(errno)))")
            }
        }
        guard let created else { throw FileError(.write, path, errno: EEXIST) }
        (descriptor, temporary) = created
        self.preserved = preserved
    }

    /// The mode asked for a brand new file (the umask still applies).
    private let newFileMode: mode_t

    /// Appends bytes (retrying after EINTR and short writes).
    public func write(_ bytes: [UInt8]) throws(FileError) {
        let code = writeAll(descriptor, bytes)
        if code != 0 { throw FileError(.write, path, errno: code) }
    }

    /// Finishes the file: syncs it and, when replacing, gives it its owner and mode and renames
    /// it over the target. The file is closed afterwards, whether or not this succeeded.
    public func commit() throws(FileError) {
        defer { closeDescriptor() }
        guard let temporary else { return }
        do throws(FileError) {
            if let preserved {
                // chown clears set-id bits, so the mode comes after it.
                guard fchown(descriptor, preserved.uid, preserved.gid) == 0 else { throw FileError(.write, path, errno: errno) }
                guard fchmod(descriptor, preserved.mode) == 0 else { throw FileError(.write, path, errno: errno) }
            } else if newFileMode & 0o066 != 0 {
                // Created 0600 with the umask applied to the owner bits; now widen as the umask allows.
                let mask = currentUmask()
                guard fchmod(descriptor, newFileMode & ~mask) == 0 else { throw FileError(.write, path, errno: errno) }
            }
            guard fsync(descriptor) == 0 else { throw FileError(.write, path, errno: errno) }
            guard rename(temporary, target) == 0 else { throw FileError(.write, path, errno: errno) }
        } catch {
            unlink(temporary)
            throw error
        }
        // The rename itself is durable only once the directory is synced.
        let directory = open(UserPath.directory(of: target), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Gives up: the temporary file is removed and the target left as it was.
    public func abandon() {
        if let temporary { unlink(temporary) }
        closeDescriptor()
    }

    private func closeDescriptor() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    /// open(2), again after a signal interrupted it (opening a FIFO waits for a reader).
    private static func openRetrying(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
        while true {
            let descriptor = open(path, flags, mode)
            if descriptor >= 0 || errno != EINTR { return descriptor }
        }
    }

    /// The process's umask. Reading it means setting it; /proc tells it without a change.
    private func currentUmask() -> mode_t {
        if let status = VirtualFile.read("/proc/self/status"),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
           let mask = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8) {
            return mask
        }
        return 0o022
    }
}

/// Whole-file writes through `FileReplacement`.
public enum SafeFile {
    /// The mode of a new file holding traced data (events, a recording, an agent's response):
    /// what a root-run tracer saw of other users' processes is for its owner only.
    public static let privateMode: mode_t = 0o600

    /// Writes `bytes` as the whole content of `path` (see `FileReplacement` for what happens to
    /// a link, a device, a FIFO or an existing file). A new file gets `mode` less the umask:
    /// 0666 for what the user wrote (a saved script), `privateMode` for what tracing collected.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o666) throws(FileError) {
        let file = try FileReplacement(path: path, newFileMode: mode)
        do {
            try file.write(bytes)
        } catch {
            file.abandon()
            throw error
        }
        try file.commit()
    }
}
