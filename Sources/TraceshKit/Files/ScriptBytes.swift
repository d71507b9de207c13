import Foundation
import TraceshModel

/// Reads the bytes of a script for `load` and `tracesh FILE`.
public enum ScriptBytes {
    /// Scripts are commands typed by people; anything larger is almost surely the wrong file.
    public static let maximumSize = 4 << 20

    /// The whole content of `path`: a regular file, or a FIFO such as the `/dev/fd/63` of a
    /// shell's `<(...)`. Devices (`/dev/zero` never ends), directories and sockets are refused
    /// before they are opened, and reading stops after `maximumSize` bytes.
    public static func read(_ path: String, maximumSize: Int = maximumSize) throws(FileError) -> [UInt8] {
        let descriptor = try ReadableFile.open(path, as: "a script")
        defer { close(descriptor) }
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
