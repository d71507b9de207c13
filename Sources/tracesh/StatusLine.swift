import Foundation
import TraceshKit

/// The one-line live status of a foreground run, redrawn in place on a terminal's stderr.
enum StatusLine {
    static func draw(_ status: Run.Status?) {
        let text: String
        guard let status else {
            writeAll(STDERR_FILENO, Array("\r\u{1b}[K".utf8))
            return
        }
        if status.state.isFinished {
            text = "\r\u{1b}[K"
        } else {
            text = "\r\u{1b}[K[run \(status.id) \(status.state.rawValue)] " + String(format: "%.1fs  %lld events  %.0f/s  %lld lost", status.elapsed, status.events, status.eventsPerSecond, status.lostEvents)
                + (status.showingOneIn > 1 ? "  showing 1 in \(status.showingOneIn)" : "") + "  (Ctrl-C stops)"
        }
        writeAll(STDERR_FILENO, Array(text.utf8))
    }
}
