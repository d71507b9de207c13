import CSupport
import Foundation
import TraceshKit

/// Reads commands from standard input when it is not a terminal.
enum StandardInput {
    /// Reads standard input to its end. SIGINT is unblocked while reading, so a Ctrl-C ends a
    /// read from a slow pipe: then nil.
    static func readAll(interruptedBy runs: RunManager) -> [UInt8]? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        _ = tracesh_set_interrupt_blocked(0)
        defer { _ = tracesh_set_interrupt_blocked(1) }
        while true {
            if runs.isInterrupted { return nil }
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return data }
            data += buffer[0..<count]
        }
    }
}
