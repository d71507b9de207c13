import Foundation
import TraceshModel

/// Opens a file that tracesh reads as a whole (a script, a recording): a regular file, or a FIFO
/// such as the `/dev/fd/63` of a shell's `<(...)`. Devices (`/dev/zero` never ends), directories
/// and sockets are refused with a plain reason, before they are opened and again after (the
/// path may change in between).
public enum ReadableFile {
    /// A descriptor open for reading; the caller closes it. `what` names the expected content
    /// in errors ("a script", "a recording").
    public static func open(_ path: String, as what: String) throws(FileError) -> Int32 {
        switch FileKind.of(path) {
        case .failure(let error):
            throw FileError(.read, path, errno: error.code)
        case .success(let (kind, _)) where kind != .regular && kind != .fifo:
            throw FileError(.read, path, reason: "it is \(kind.phrase), not \(what)")
        case .success:
            break
        }
        var descriptor: Int32
        repeat { descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw FileError(.read, path, errno: errno) }
        var info = stat()
        if fstat(descriptor, &info) == 0 {
            let kind = FileKind(mode: info.st_mode)
            if kind != .regular && kind != .fifo {
                close(descriptor)
                throw FileError(.read, path, reason: "it is \(kind.phrase), not \(what)")
            }
        }
        return descriptor
    }
}
