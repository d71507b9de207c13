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

/// Starts runs (plan -> codegen -> bpftrace -> scanner -> pipeline) and keeps track of them:
/// several may be active at once, each with its own bpftrace.
public final class RunManager: Sendable {
    private let runs = Mutex<[Run]>([])
    /// The run a Ctrl-C stops: the one the interpreter is starting or waiting for.
    private let foreground = Mutex<Run?>(nil)
    /// Set by Ctrl-C (`interrupt()`): the current command's run stops and the interpreter runs no
    /// further commands of the current entry; cleared by the front end when it reads new input.
    private let interrupted = Atomic<Bool>(false)
    /// Set once tracesh is exiting: no run may start after that.
    private let closed = Atomic<Bool>(false)
    /// Held while a run is being started, so that `shutdown` sees every run that starts.
    private let startGate = DispatchSemaphore(value: 1)

    public init() {}

    public var all: [Run] { runs.withLock { $0 } }

    public func run(id: Int) -> Run? { all.first { $0.id == id } }

    /// The newest run that has finished (what `events`, `top` and `stats` show).
    public var latestFinished: Run? { all.last { $0.status.state.isFinished } }

    /// The newest run that is still going.
    public var latestActive: Run? { all.last { !$0.status.state.isFinished } }

    private func nextID() -> Int { runs.withLock { ($0.last?.id ?? 0) + 1 } }

    /// Compiles the graph and starts bpftrace on a thread of its own. A run that is not in the
    /// background becomes the foreground run (what a Ctrl-C stops) before anything starts, so an
    /// interrupt at any moment of its start stops it. A traced command writes its standard output
    /// to the request's file, or else to `commandOutput`.
    /// With `live`, the run queues each event that passes the filters for a live view to take.
    /// `serving`: the run is `tracesh serve`'s, which is meant to go on until it is stopped, so
    /// the 10-minute ceiling of the shell's runs does not apply to it.
    public func start(_ request: RunRequest, graph: SessionGraph, catalog: KernelCatalog, recordTo recordingPath: String?,
                      commandOutput: Int32 = STDERR_FILENO, live: Bool = false, serving: Bool = false) throws -> Run {
        startGate.wait()
        defer { startGate.signal() }
        guard !closed.load(ordering: .sequentiallyConsistent) else {
            throw Diagnostic("tracesh is exiting; no new run starts", at: nil)
        }
        let duration = request.duration ?? Settings.duration(graph)
        let ceiling = Settings.maxDuration(graph)
        guard duration.milliseconds > 0 else { throw Diagnostic("a run needs a positive duration", at: nil) }
        guard duration <= ceiling || serving else {
            throw Diagnostic("run \(duration) is longer than the maximum of \(ceiling)" + (ceiling < Settings.durationCeiling ? " (set max-duration)" : "; runs are limited to 10 minutes"), at: nil)
        }
        // `-p`: an unknown process id fails first, before anything starts; the pidfds then tell
        // the runner when the processes have exited.
        let watched = request.processes.isEmpty ? nil : try WatchedProcesses(request.processes.map { pid_t($0) })
        if let missing = Capabilities.forRun(catalog: catalog).missingForRun() {
            throw Diagnostic("cannot trace on this machine: \(missing)", at: nil)
        }
        guard let bpftrace = BpftraceLocator.find() else { throw Diagnostic("bpftrace is not installed (see 'caps')", at: nil) }

        // Everything that can fail without a process comes first.
        let executable = try request.command.first.map { name in
            guard let path = Self.findExecutable(name) else { throw Diagnostic("command not found: \(name)", at: nil) }
            return path
        }
        let runner = try BpftraceRunner()
        // Opened before anything starts, so a bad file name fails the run cleanly.
        let outputFile = try request.output.map(CommandOutputFile.open)
        defer { if let outputFile { close(outputFile) } }

        var command: ChildProcess?
        if let executable {
            // Held before exec until every probe is attached, so its first event is traced; ended
            // (SIGTERM from the kernel) if tracesh dies, as it would be at the end of the run.
            // The child keeps its own copy of the output file.
            command = try ChildProcess(path: executable, arguments: Array(request.command.dropFirst()),
                                       environment: ProcessInfo.processInfo.environment, captureOutput: false,
                                       standardOutput: outputFile ?? commandOutput,
                                       hold: true, deathSignal: SIGTERM, newProcessGroup: false)
        }
        let program: CompiledProgram
        var recording: RecordingWriter?
        let clockOffset = monotonicToRealtimeOffset()
        do {
            program = try ProgramCompiler.compile(graph, catalog: catalog,
                                                  options: CompileOptions(traceDescendantsOf: command.map { [Int64($0.pid)] } ?? request.processes.map(Int64.init),
                                                                         heldCommand: command.flatMap { child in executable.map { HeldCommand(pid: Int64(child.pid), executable: $0) } },
                                                                         sync: SyncMarker.forThisProcess(),
                                                                         excludeTracer: Settings.tracesSelf(graph) ? nil : Int64(getpid()),
                                                                         stream: Settings.streamMode(graph),
                                                                         interval: request.interval, keepIntervals: request.keepIntervals,
                                                                         stacks: Settings.stackEvents(graph), countsByProcess: !serving))
            if let recordingPath {
                do {
                    recording = try RecordingWriter(path: recordingPath, header: Recording.header(program: program, clockOffset: clockOffset),
                                                    program: program)
                } catch {
                    throw Diagnostic("cannot record: \(error)", at: nil)
                }
            }
        } catch {
            // The held command never runs: it exits at once and is waited for, so a failed
            // start leaves no process behind (the recording writer removes its own file).
            command?.cancelHold()
            _ = command?.wait()
            throw error
        }
        let pipeline = Pipeline(program: program, clockOffset: clockOffset, maxEvents: Settings.maxEvents(graph),
                                tracksIntervals: request.interval != nil, keepIntervals: request.keepIntervals,
                                stacks: Pipeline.readsStacks(program) ? StackNamer(live: true, executable: executable) : nil)
        let run = Run(id: nextID(), program: program, duration: duration, command: request.command,
                      background: request.background, runner: runner, pipeline: pipeline)
        if live { run.record.withLock { $0.live = LiveEventQueue() } }
        runs.withLock { $0.append(run) }
        if !request.background {
            setForeground(run)
            // Ctrl-C came while the run was being set up: it stops before bpftrace starts.
            if isInterrupted { run.stop() }
        }
        let traced = command, recordingHandle = recording
        let thread = Thread {
            Self.supervise(run, runner: runner, bpftrace: bpftrace, command: traced, watched: watched, recording: recordingHandle)
        }
        thread.name = "tracesh-run-\(run.id)"
        thread.start()
        return run
    }

    /// The run thread: streams bpftrace's output through the scanner into the run's pipeline.
    private static func supervise(_ run: Run, runner: BpftraceRunner, bpftrace: String, command: ChildProcess?,
                                  watched: WatchedProcesses?, recording: RecordingWriter?) {
        var scanner = EventScanner(framing: run.program.framing)
        let outcome = runner.run(program: run.program, bpftrace: bpftrace, duration: run.duration, command: command, watched: watched,
                                 onOutput: { bytes in
                                     run.record.withLock { record in
                                         scanner.feed(bytes) { item in
                                             recording?.append(item)
                                             if let event = record.pipeline.consume(item) { record.live?.push(event) }
                                         }
                                         if record.startedAt == nil && record.pipeline.attached {
                                             record.startedAt = monotonicSeconds()
                                             record.state = .running
                                         }
                                     }
                                     recording?.flush()
                                 },
                                 isAttached: { run.record.withLock { $0.pipeline.attached } },
                                 synced: { run.record.withLock { $0.pipeline.synced } },
                                 isEnded: { run.record.withLock { $0.pipeline.ended } },
                                 endBegan: { run.record.withLock { $0.pipeline.endBegan } },
                                 foreignLine: { run.record.withLock { $0.pipeline.foreignLine } })
        let rest = scanner.finish()
        for item in rest { recording?.append(item) }
        let endedAt = outcome.endedAt ?? monotonicSeconds()
        let state: Run.State = outcome.failure != nil ? .failed : outcome.stopReason == .requested ? .stopped : .completed
        let startedAt = run.record.withLock { $0.startedAt }
        let stacks = run.record.withLock { $0.pipeline.stacks }
        let recordingFailure = recording?.finish(durationSeconds: startedAt.map { endedAt - $0 } ?? 0, state: state.rawValue,
                                                 stacks: stacks?.snapshotJSON)
        run.record.withLock { record in
            for item in rest {
                if let event = record.pipeline.consume(item) { record.live?.push(event) }
            }
            record.pipeline.noteDamagedRecords(scanner.damagedRecords)
            record.endedAt = endedAt
            if record.startedAt == nil { record.startedAt = record.endedAt }
            record.commandEnding = outcome.commandEnding
            record.stopReason = outcome.stopReason
            record.traced = outcome.traced
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

    /// Ctrl-C (from a signal-watching thread): stops the foreground run, whatever stage it is at,
    /// and tells the interpreter to run no further commands of the current entry.
    public func interrupt() {
        // Raised before the foreground run is read; `start` sets the foreground before it reads
        // the flag. So a run being started either is seen here or sees the flag.
        interrupted.store(true, ordering: .sequentiallyConsistent)
        foreground.withLock { $0 }?.stop()
    }

    /// Whether a Ctrl-C came since the last `clearInterrupt()`.
    public var isInterrupted: Bool { interrupted.load(ordering: .sequentiallyConsistent) }

    /// Forgets a Ctrl-C (the shell does so before each new entry).
    public func clearInterrupt() { interrupted.store(false, ordering: .sequentiallyConsistent) }

    /// Whether tracesh is exiting (`shutdown`): no run starts any more.
    public var isClosed: Bool { closed.load(ordering: .sequentiallyConsistent) }

    /// The runs still going.
    public var active: [Run] { all.filter { !$0.status.state.isFinished } }

    /// tracesh is exiting: no new run starts, every active run is stopped, and this waits until
    /// each run has finished and its bpftrace process is gone (detaching probes can take seconds
    /// in the kernel), at most `timeout` seconds in all. Returns the runs it stopped.
    @discardableResult
    public func shutdown(timeout: Double = 30) -> [Run] {
        // Waits for a run being started to be registered (or refused): none escapes the stop.
        startGate.wait()
        closed.store(true, ordering: .sequentiallyConsistent)
        startGate.signal()
        let stopped = active
        for run in stopped { run.stop() }
        let end = monotonicSeconds() + timeout
        for run in all {
            run.wait(timeout: max(0, end - monotonicSeconds()))
            run.waitForBpftraceExit(timeout: max(0, end - monotonicSeconds()))
        }
        return stopped
    }

    static func findExecutable(_ name: String) -> String? {
        ExecutableSearch.find(name)
    }
}
