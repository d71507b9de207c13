import Foundation
import TraceshKit

/// Writes results to standard output and diagnostics to standard error, with a caret line
/// under the offending input when standard error is a terminal.
final class TerminalOutput: InterpreterOutput {
    let caret = isatty(STDERR_FILENO) == 1

    func write(_ text: String) {
        guard !text.isEmpty else { return }
        writeAll(STDOUT_FILENO, Array((text + "\n").utf8))
    }

    /// A traced command keeps a terminal; otherwise its text would land among the results.
    let commandOutputDescriptor = isatty(STDOUT_FILENO) == 1 ? STDOUT_FILENO : STDERR_FILENO

    func report(_ diagnostic: Diagnostic, origin: String?, sourceLine: String?) {
        var text = diagnostic.rendered(origin: origin) + "\n"
        if caret, let sourceLine, let column = diagnostic.location?.column {
            let prefix = sourceLine.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
            text += sourceLine + "\n" + prefix + "^\n"
        }
        writeAll(STDERR_FILENO, Array(text.utf8))
    }
}
