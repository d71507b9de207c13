import Foundation
import TraceshKit

/// Redraws each interval of `run ... every INTERVAL` in place on a terminal, like top(1): the
/// previous interval's lines are erased (with the status line under them) and the new ones drawn.
final class IntervalView: @unchecked Sendable {
    /// Lines drawn for the current run's last interval, and which run that was.
    private var lines = 0
    private var run = 0

    /// Called from the interpreter's foreground loop only, so never concurrently.
    func draw(run: Int, interval: Int64, text: String) {
        if run != self.run { lines = 0 }
        self.run = run
        // The status line sits on stderr below the block: clear it, go up over the old block, erase.
        var escape = "\r\u{1b}[K"
        if lines > 0 { escape += "\u{1b}[\(lines)A\u{1b}[J" }
        writeAll(STDERR_FILENO, Array(escape.utf8))
        writeAll(STDOUT_FILENO, Array((text + "\n").utf8))
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
    }
}
