import Foundation
import TraceshModel
import TraceshFiles

/// The bpftrace program on disk: in a fresh private directory (0700), in a file only root can
/// read (0600), so the framing boundary never appears on a command line or in a shared file.
///
/// Its owner (the run) calls `remove()` when bpftrace has ended; a failure while it is being
/// written removes what was made, so no path leaves a directory behind.
struct ProgramFile {
    let directory: String
    let path: String

    /// Writes `source` into a new private directory under `temporaryDirectory`.
    init(source: String, in temporaryDirectory: String = NSTemporaryDirectory()) throws {
        let parent = temporaryDirectory.hasSuffix("/") ? temporaryDirectory : temporaryDirectory + "/"
        var template = Array((parent + "tracesh-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw Diagnostic("cannot create a private directory for the bpftrace program: \(String(cString: strerror(errno)))", at: nil)
        }
        directory = String(cString: created)
        path = directory + "/program.bt"
        do {
            try Self.store(source, at: path)
        } catch {
            remove()
            throw error
        }
    }

    private static func store(_ source: String, at path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Diagnostic("cannot write the bpftrace program: \(String(cString: strerror(errno)))", at: nil)
        }
        defer { close(descriptor) }
        let bytes = Array(source.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Diagnostic("cannot write the bpftrace program: \(String(cString: strerror(errno)))", at: nil) }
            written += count
        }
    }

    func remove() {
        unlink(path)
        rmdir(directory)
    }
}
