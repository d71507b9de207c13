import Foundation
import TraceshModel

/// Writes every byte of `bytes` to `descriptor`, retrying after a signal interrupts the call
/// (EINTR) and after short writes. Returns 0, or the errno value of the write that failed.
///
/// Use this rather than Foundation's `FileHandle.write`, which traps on EINTR: tracesh's SIGINT
/// handler is installed without SA_RESTART, so any write may be interrupted by a Ctrl-C.
@discardableResult
public func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    var written = 0
    while written < bytes.count {
        let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        if count < 0 {
            if errno == EINTR { continue }
            return errno
        }
        // A write of 0 bytes for a non-empty request does not happen for files and pipes;
        // treat it as "no space" rather than looping forever.
        if count == 0 { return ENOSPC }
        written += count
    }
    return 0
}

/// `writeAll` for an array of bytes.
@discardableResult
public func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32 {
    bytes.withUnsafeBytes { writeAll(descriptor, $0) }
}
