import Foundation

/// Reads the bytes of a script for `load` and `tracesh FILE`.
public enum ScriptBytes {
    /// Scripts are commands typed by people; anything larger is almost surely the wrong file.
    public static let maximumSize = 4 << 20

    /// The whole content of `path`: a regular file, or a FIFO such as the `/dev/fd/63` of a
    /// shell's `<(...)`. Devices (`/dev/zero` never ends), directories and sockets are refused
    /// before they are opened, and reading stops after `maximumSize` bytes.
    public static func read(_ path: String, maximumSize: Int = maximumSize) throws(FileError) -> [UInt8] {
        switch FileKind.of(path) {
        case .failure(let error):
            throw FileError(.read, path, errno: error.code)
        case .success(let (kind, _)) where kind != .regular && kind != .fifo:
            throw FileError(.read, path, reason: "it is \(kind.phrase), not a script")
        case .success:
            break
        }
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw FileError(.read, path, errno: errno) }
        defer { close(descriptor) }
        // The path may have changed between the check and the open; check what was opened.
        var info = stat()
        if fstat(descriptor, &info) == 0 {
            let kind = FileKind(mode: info.st_mode)
            if kind != .regular && kind != .fifo { throw FileError(.read, path, reason: "it is \(kind.phrase), not a script") }
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(.read, path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes += buffer[0..<count]
            if bytes.count > maximumSize {
                throw FileError(.read, path, reason: "it is larger than \(maximumSize >> 20) MiB, too large for a script")
            }
        }
    }
}
