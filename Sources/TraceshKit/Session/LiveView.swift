import TraceshModel
import TraceshRuntime
import TraceshOutput

/// Shows a foreground run's events as they arrive. Above what a terminal can display (and a
/// person follow) it shows an even sample and tells the status line "showing 1 in N"; the run's
/// store, statistics and recording get every event regardless.
struct LiveView {
    /// Lines a second the view shows at most.
    static let displayRate = 300.0
    /// How often the foreground loop takes new events while live: short, so an event is on
    /// screen well within a second of happening.
    static let pollInterval = 0.05

    let lines: LiveEventLines
    private var wroteHeader = false
    private var lastTake = monotonicSeconds()

    init(program: CompiledProgram, format: OutputFormat) {
        lines = LiveEventLines(program: program, format: format)
    }

    /// Takes the run's new events and returns the text that shows them (nil: nothing new).
    mutating func take(from run: Run) -> String? {
        let (events, overflow) = run.takeLiveEvents()
        let now = monotonicSeconds()
        // The budget of this take is what the display rate allows for the time since the last.
        let budget = max(1, Int((now - lastTake) * Self.displayRate))
        lastTake = now
        let arrived = events.count + overflow
        guard arrived > 0 else { return nil }
        let oneIn = arrived > budget ? (arrived + budget - 1) / budget : 1
        run.noteShowing(oneIn: oneIn)
        let shown = oneIn == 1 ? events : stride(from: 0, to: events.count, by: oneIn).map { events[$0] }
        guard !shown.isEmpty else { return nil }
        defer { wroteHeader = true }
        return lines.lines(shown, withHeader: !wroteHeader)
    }
}
