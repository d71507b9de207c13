import Foundation
import Synchronization
import TraceshModel
import TraceshLanguage
import TraceshKernel
import TraceshRuntime
import TraceshKit

/// Keeps a session's probes running for `tracesh serve`: one long bpftrace run whose maps are
/// printed, never cleared, every `scrape-interval` (`every INTERVAL keep`); each interval goes
/// into the metrics book. When bpftrace ends (it died, or failed), it is started again after a
/// pause that doubles up to `maxBackoff` (and starts over after a run that lasted a minute), and
/// the book carries the totals forward.
public final class ProbeKeeper: Sendable {
    public let runs: RunManager
    public let exposition: MetricsExposition
    private let graph: SessionGraph
    private let catalog: KernelCatalog
    private let interval: TraceDuration
    private let stopping = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let log: @Sendable (String) -> Void
    /// The first pause before a restart, and the longest.
    public static let firstBackoff = 0.5
    public static let maxBackoff = 30.0
    /// How long a serving run is asked to last (it is meant to be stopped, not to end).
    static let runLength = TraceDuration.minutes(60 * 24 * 365)

    /// Starts the first run and waits until it traces (its failure, e.g. a probe that does not
    /// attach, is thrown here), then starts the thread that keeps it going.
    public init(graph: SessionGraph, catalog: KernelCatalog, runs: RunManager, version: String,
                log: @escaping @Sendable (String) -> Void) throws {
        self.graph = graph
        self.catalog = catalog
        self.runs = runs
        self.log = log
        interval = Settings.scrapeInterval(graph)
        let first = try Self.start(graph: graph, catalog: catalog, runs: runs, interval: interval)
        // A first run that never traces (a probe that does not attach, say) is an error to show
        // now, not a reason to start bpftrace again and again.
        while first.status.state == .starting && !first.wait(timeout: 0.05) {}
        let status = first.status
        if status.state.isFinished {
            throw Diagnostic("bpftrace did not start tracing: \(status.failure ?? "run \(status.state.rawValue)")", at: nil)
        }
        exposition = MetricsExposition(book: MetricsBook(program: first.program, maxSeries: Settings.maxSeries(graph)), version: version)
        let thread = Thread { [self] in keep(first) }
        thread.name = "tracesh-serve"
        thread.start()
    }

    private static func start(graph: SessionGraph, catalog: KernelCatalog, runs: RunManager, interval: TraceDuration) throws -> Run {
        try runs.start(RunRequest(duration: runLength, background: true, interval: interval, keepIntervals: true),
                       graph: graph, catalog: catalog, recordTo: nil, serving: true)
    }

    /// Stops the run and the keeping thread; returns when both are done.
    public func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        runs.shutdown()
        stopped.wait()
        stopped.signal()
    }

    /// Serving stops (`stop`), or tracesh is exiting (a signal shut the runs down).
    private var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) || runs.isClosed }

    private func keep(_ first: Run) {
        var run: Run? = first
        var backoff = Self.firstBackoff
        while let current = run, !isStopping {
            let startedAt = monotonicSeconds()
            while !current.wait(timeout: 0.1) { take(current) }
            take(current)
            exposition.update { $0.endProcess() }
            if isStopping { break }
            let status = current.status
            log("bpftrace ended (run \(current.id) \(status.state.rawValue)\(status.failure.map { ": \($0)" } ?? "")); starting it again in \(backoff) s")
            if monotonicSeconds() - startedAt > 60 { backoff = Self.firstBackoff }
            run = nil
            while run == nil && !isStopping {
                sleepUnlessStopping(backoff)
                backoff = min(backoff * 2, Self.maxBackoff)
                if isStopping { break }
                do {
                    run = try Self.start(graph: graph, catalog: catalog, runs: runs, interval: interval)
                    exposition.update { $0.noteRestart() }
                } catch {
                    log("cannot start bpftrace: \(error); trying again in \(backoff) s")
                }
            }
        }
        stopped.signal()
    }

    /// Sleeps `seconds`, waking early when serving stops.
    private func sleepUnlessStopping(_ seconds: Double) {
        let end = monotonicSeconds() + seconds
        while !isStopping && monotonicSeconds() < end { usleep(50_000) }
    }

    /// Puts the run's newest interval in the book (nothing to do when there is none and
    /// bpftrace's state did not change).
    private func take(_ run: Run) {
        let intervals = run.takeIntervals()
        let status = run.status
        guard !intervals.isEmpty || exposition.book.up != (status.state == .running) else { return }
        exposition.update { book in
            book.up = status.state == .running
            if let newest = intervals.last {
                book.update(aggregations: newest.aggregations, eventsPerProbe: newest.statistics.eventsPerProbe, lostEvents: status.lostEvents)
            }
        }
    }
}
