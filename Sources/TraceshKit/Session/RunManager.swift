import Foundation
import Synchronization

/// Starts runs (plan -> codegen -> bpftrace -> scanner -> pipeline) and keeps track of them:
/// several may be active at once, each with its own bpftrace.
public final class RunManager: Sendable {
    private let runs = Mutex<[Run]>([])
    private let foreground = Mutex<Run?>(nil)

    public init() {}

    public var all: [Run] { runs.withLock { $0 } }

    public func run(id: Int) -> Run? { all.first { $0.id == id } }

    /// The newest run that has finished (what `events`, `top` and `stats` show).
    public var latestFinished: Run? { all.last { $0.status.state.isFinished } }

    /// The newest run that is still going.
    public var latestActive: Run? { all.last { !$0.status.state.isFinished } }

    private func nextID() -> Int { runs.withLock { ($0.last?.id ?? 0) + 1 } }

    /// Compiles the graph and starts bpftrace on a thread of its own.
    public func start(_ request: RunRequest, graph: SessionGraph, catalog: KernelCatalog, recordTo recordingPath: String?) throws -> Run {
        let duration = request.duration ?? Settings.duration(graph)
        let ceiling = Settings.maxDuration(graph)
        guard duration.milliseconds > 0 else { throw Diagnostic("a run needs a positive duration", at: nil) }
        guard duration <= ceiling else {
            throw Diagnostic("run \(duration) is longer than the maximum of \(ceiling)" + (ceiling < Settings.durationCeiling ? " (set max-duration)" : "; runs are limited to 10 minutes"), at: nil)
        }
        if let missing = Capabilities.detect(catalog: catalog).missingForRun() {
            throw Diagnostic("cannot trace on this machine: \(missing)", at: nil)
        }
        guard let bpftrace = BpftraceLocator.find() else { throw Diagnostic("bpftrace is not installed (see 'caps')", at: nil) }

        var command: ChildProcess?
        if !request.command.isEmpty {
            guard let executable = Self.findExecutable(request.command[0]) else {
                throw Diagnostic("command not found: \(request.command[0])", at: nil)
            }
            // Held before exec until every probe is attached, so its first event is traced; ended
            // (SIGTERM from the kernel) if tracesh dies, as it would be at the end of the run.
            command = try ChildProcess(path: executable, arguments: Array(request.command.dropFirst()),
                                       environment: ProcessInfo.processInfo.environment, captureOutput: false,
                                       hold: true, deathSignal: SIGTERM, newProcessGroup: false)
        }
        let program: CompiledProgram
        do {
            program = try ProgramCompiler.compile(graph, catalog: catalog,
                                                  options: CompileOptions(traceDescendantsOf: command.map { Int64($0.pid) },
                                                                         sync: SyncMarker.forThisProcess(),
                                                                         excludeTracer: Int64(getpid())))
        } catch {
            command?.cancelHold()
            _ = command?.wait()
            throw error
        }
        let runner = try BpftraceRunner()
        var recording: RecordingWriter?
        let clockOffset = monotonicToRealtimeOffset()
        if let recordingPath {
            do {
                recording = try RecordingWriter(path: recordingPath, header: Recording.header(program: program, clockOffset: clockOffset),
                                                framing: program.framing)
            } catch {
                command?.cancelHold()
                throw Diagnostic("cannot record: \(error)", at: nil)
            }
        }
        let pipeline = Pipeline(program: program, clockOffset: clockOffset, maxEvents: Settings.maxEvents(graph))
        let run = Run(id: nextID(), program: program, duration: duration, command: request.command, runner: runner, pipeline: pipeline)
        runs.withLock { $0.append(run) }
        let traced = command, recordingHandle = recording
        let thread = Thread {
            Self.supervise(run, runner: runner, bpftrace: bpftrace, command: traced, recording: recordingHandle)
        }
        thread.name = "tracesh-run-\(run.id)"
        thread.start()
        return run
    }

    /// The run thread: streams bpftrace's output through the scanner into the run's pipeline.
    private static func supervise(_ run: Run, runner: BpftraceRunner, bpftrace: String, command: ChildProcess?, recording: RecordingWriter?) {
        var scanner = EventScanner(framing: run.program.framing)
        let outcome = runner.run(program: run.program, bpftrace: bpftrace, duration: run.duration, command: command,
                                 onOutput: { bytes in
                                     recording?.append(bytes)
                                     run.record.withLock { record in
                                         scanner.feed(bytes) { record.pipeline.consume($0) }
                                         if record.startedAt == nil && record.pipeline.attached {
                                             record.startedAt = monotonicSeconds()
                                             record.state = .running
                                         }
                                     }
                                 },
                                 isAttached: { run.record.withLock { $0.pipeline.attached } },
                                 synced: { run.record.withLock { $0.pipeline.synced } },
                                 isEnded: { run.record.withLock { $0.pipeline.ended } })
        let rest = scanner.finish()
        let endedAt = monotonicSeconds()
        let state: Run.State = outcome.failure != nil ? .failed : outcome.stopReason == .requested ? .stopped : .completed
        let startedAt = run.record.withLock { $0.startedAt }
        let recordingFailure = recording?.finish(durationSeconds: startedAt.map { endedAt - $0 } ?? 0, state: state.rawValue)
        run.record.withLock { record in
            for item in rest { record.pipeline.consume(item) }
            record.endedAt = endedAt
            record.commandExitCode = outcome.commandExitCode
            record.state = state
            if let failure = outcome.failure ?? recordingFailure.map({ "the recording was not completed: \($0)" }) {
                record.state = .failed
                record.failure = failure
            }
        }
        run.markFinished()
    }

    /// Adds a replayed run: a recording fed through the same scanner and pipeline. `warn` hears
    /// what was wrong with the file (cut short, damaged records); what was intact is replayed.
    public func replay(_ path: String, maxEvents: Int, warn: (String) -> Void = { _ in }) throws -> Run {
        let replay = try RecordingReplay.read(path, maxEvents: maxEvents)
        replay.warnings.forEach(warn)
        let run = Run(id: nextID(), program: replay.program, duration: .init(milliseconds: 0), command: [], runner: nil, pipeline: replay.pipeline)
        run.record.withLock { record in
            record.state = .completed
            record.startedAt = 0
            record.endedAt = replay.durationSeconds
        }
        run.markFinished()
        runs.withLock { $0.append(run) }
        return run
    }

    /// Marks `run` as the one a Ctrl-C should stop.
    public func setForeground(_ run: Run?) { foreground.withLock { $0 = run } }

    /// Stops the foreground run, if there is one (for a signal-watching thread). True when one was stopped.
    @discardableResult
    public func interruptForeground() -> Bool {
        guard let run = foreground.withLock({ $0 }) else { return false }
        run.stop()
        return true
    }

    /// Stops every active run and waits a little for them to finish (tracesh is exiting).
    public func stopAll(timeout: Double = 3) {
        let active = all.filter { !$0.status.state.isFinished }
        for run in active { run.stop() }
        for run in active { run.wait(timeout: timeout) }
    }

    static func findExecutable(_ name: String) -> String? {
        ExecutableSearch.find(name)
    }
}
