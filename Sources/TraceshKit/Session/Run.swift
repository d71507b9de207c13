import Foundation
import Synchronization
import TraceshModel
import TraceshFiles
import TraceshKernel
import TraceshLanguage
import TraceshSuggest
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshOutput
import TraceshExport

/// One run of bpftrace (or one replay): its program, its state, and what it collected.
public final class Run: Sendable {
    public enum State: String, Sendable {
        case starting, running, completed, failed, stopped

        public var isFinished: Bool { self == .completed || self == .failed || self == .stopped }
    }

    /// A cheap view of a run in progress, for the status line and `runs`.
    public struct Status: Sendable {
        public var id: Int
        public var state: State
        public var elapsed: Double
        public var events: Int64
        public var lostEvents: Int64
        public var failure: String?
        /// A live view shows one event in this many (1: every event).
        public var showingOneIn: Int = 1

        public var eventsPerSecond: Double { elapsed > 0 ? Double(events) / elapsed : 0 }
    }

    struct Record: Sendable {
        var state: State = .starting
        var pipeline: Pipeline
        var startedAt: Double?
        var endedAt: Double?
        var failure: String?
        var commandEnding: BpftraceRunner.CommandEnding?
        var stopReason: BpftraceRunner.StopReason?
        /// Whether tracing began (every probe attached) before the run ended.
        var traced = false
        /// The events a live view has not shown yet (nil when nobody watches the run live).
        var live: LiveEventQueue?
        /// The live view's sampling, for the status line.
        var showingOneIn = 1
    }

    public let id: Int
    public let program: CompiledProgram
    public let duration: TraceDuration
    public let command: [String]
    /// Started with `run ... &`: its results are shown when it is waited for, at the next prompt,
    /// or at the end of a batch.
    public let background: Bool
    let runner: BpftraceRunner?
    let record: Mutex<Record>
    private let finished = DispatchSemaphore(value: 0)
    private let reported = Atomic<Bool>(false)

    init(id: Int, program: CompiledProgram, duration: TraceDuration, command: [String], background: Bool = false,
         runner: BpftraceRunner?, pipeline: Pipeline) {
        self.id = id
        self.program = program
        self.duration = duration
        self.command = command
        self.background = background
        self.runner = runner
        record = Mutex(Record(pipeline: pipeline))
    }

    public var status: Status {
        record.withLock { record in
            let elapsed = record.startedAt.map { (record.endedAt ?? monotonicSeconds()) - $0 } ?? 0
            return Status(id: id, state: record.state, elapsed: elapsed, events: record.pipeline.statistics.totalEvents,
                          lostEvents: record.pipeline.statistics.lostEvents, failure: record.failure,
                          showingOneIn: record.showingOneIn)
        }
    }

    /// The run as a plain value, for exports and reports.
    public var snapshot: RunSnapshot {
        let status = self.status
        let pipeline = self.pipeline
        return RunSnapshot(id: id, state: status.state.rawValue, duration: status.elapsed, command: command, failure: status.failure,
                           program: program, events: pipeline.store.events, statistics: pipeline.statistics,
                           aggregations: pipeline.aggregations, droppedFromMemory: pipeline.store.dropped, health: pipeline.health)
    }

    /// The collected results (a copy; call when the run has finished to avoid copying mid-run).
    public var pipeline: Pipeline { record.withLock { $0.pipeline } }

    /// The intervals (`run ... every INTERVAL`) completed since the last call, oldest first;
    /// the foreground loop prints them while the run goes on.
    public func takeIntervals() -> [IntervalResult] { record.withLock { $0.pipeline.takeIntervals() } }

    /// Whether its intervals accumulate (`every INTERVAL keep`).
    public var keepsIntervals: Bool { record.withLock { $0.pipeline.keepIntervals } }

    /// How the traced command ended (nil without `-- COMMAND`).
    public var commandEnding: BpftraceRunner.CommandEnding? { record.withLock { $0.commandEnding } }

    /// The traced command's exit code, when it ended by itself or on SIGTERM.
    public var commandExitCode: Int32? {
        switch commandEnding {
        case .exited(let code), .terminated(let code): return code
        default: return nil
        }
    }

    /// Whether tracing began before the run ended (false for a run stopped while it attached).
    public var traced: Bool { record.withLock { $0.traced } }

    /// Why the run ended (nil while it goes on, and for a replay).
    public var stopReason: BpftraceRunner.StopReason? { record.withLock { $0.stopReason } }

    /// Claims the right to show this finished run's results: true exactly once, so that a run is
    /// reported by `wait`, the next prompt or the end of a batch, but never twice.
    public func claimReport() -> Bool {
        !reported.exchange(true, ordering: .sequentiallyConsistent)
    }

    /// Whether the run's results have been shown.
    public var isReported: Bool { reported.load(ordering: .sequentiallyConsistent) }

    /// Whether a live view watches this run (see `takeLiveEvents`).
    var isLive: Bool { record.withLock { $0.live != nil } }

    /// The events that passed the filters since the last call, and how many more arrived than
    /// the live queue holds; empty when the run is not live.
    func takeLiveEvents() -> (events: [TraceEvent], overflow: Int) {
        record.withLock { $0.live?.take() } ?? ([], 0)
    }

    /// Tells the status line that the live view shows one event in `n`.
    func noteShowing(oneIn n: Int) { record.withLock { $0.showingOneIn = n } }

    /// Asks the run to stop; what was collected so far is kept.
    public func stop() { runner?.requestStop() }

    /// Waits until the run's bpftrace process is gone (it may detach after the run finished).
    @discardableResult
    public func waitForBpftraceExit(timeout: Double) -> Bool { runner?.waitForBpftraceExit(timeout: timeout) ?? true }

    /// Blocks until the run has finished, or `timeout` seconds pass (then false).
    @discardableResult
    public func wait(timeout: Double? = nil) -> Bool {
        if status.state.isFinished { return true }
        let result = timeout.map { finished.wait(timeout: .now() + $0) } ?? { finished.wait(); return .success }()
        guard result == .success else { return false }
        finished.signal()
        return true
    }

    func markFinished() { finished.signal() }
}
