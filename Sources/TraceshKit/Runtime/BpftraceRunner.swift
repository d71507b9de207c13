import CSupport
import Foundation
import Synchronization
import TraceshModel
import TraceshFiles

/// Supervises one bpftrace process: starts it on a program file, streams its output, ends it at
/// the deadline or on request (SIGINT first, so END prints the maps; SIGKILL after a grace
/// period), and explains failures in tracesh's words.
public final class BpftraceRunner: Sendable {
    public enum StopReason: String, Sendable {
        case deadline, requested, commandExited, processesExited, bpftraceExited
    }

    /// How the traced command (`run -- COMMAND`) ended.
    public enum CommandEnding: Hashable, Sendable {
        /// It exited by itself (or of a signal nobody in tracesh sent) with this code.
        case exited(Int32)
        /// It was still running when the run ended and stopped on SIGTERM (exit code as given).
        case terminated(Int32)
        /// It ignored SIGTERM for `commandGrace` seconds and was killed with SIGKILL.
        case killed
        /// It never ran: the run ended before tracing started.
        case neverStarted
    }

    public struct Outcome: Sendable {
        /// nil when bpftrace ended the way tracesh asked it to.
        public var failure: String?
        public var stopReason: StopReason
        /// bpftrace's exit code (128 + signal when a signal ended it).
        public var exitCode: Int32?
        /// How the traced command ended, when there was one.
        public var commandEnding: CommandEnding?
        /// Whether tracing began (every probe attached) before the run ended.
        public var traced: Bool
        /// When tracing ended (monotonic seconds): when the stop began (the deadline, a request,
        /// the command's exit), or when bpftrace's output ended by itself. The flush and
        /// bpftrace's exit come after it and are not part of the run's duration.
        public var endedAt: Double? = nil

        /// The traced command's exit code, when it ended by itself or on SIGTERM.
        public var commandExitCode: Int32? {
            switch commandEnding {
            case .exited(let code), .terminated(let code): return code
            default: return nil
            }
        }
    }

    /// F_SETPIPE_SZ (Linux; not exported to Swift) and the size asked for bpftrace's output pipe
    /// (the default /proc/sys/fs/pipe-max-size, which root may exceed anyway).
    static let setPipeSize: Int32 = 1031
    static let pipeSize: Int32 = 1 << 20

    /// How long the traced command gets after SIGTERM at the end of a run before SIGKILL.
    public static var commandGrace: Double { RunSupervisor.Timings.standard.commandGrace }

    /// The bpftrace process of this run, once started (so that tracesh can wait for it to be gone).
    private let process = Mutex<ChildProcess?>(nil)

    /// What other threads tell the run's thread through the control pipe (one byte each).
    private enum ControlMessage: UInt8 {
        case stopRequested = 1
        case commandExited = 2
    }

    private let control: (read: Int32, write: Int32)
    private let stopRequested = Atomic<Bool>(false)

    public init() throws {
        var fds: [Int32] = [-1, -1]
        let code = tracesh_pipe(&fds)
        guard code == 0 else { throw Diagnostic("cannot create a pipe: \(String(cString: strerror(code)))", at: nil) }
        control = (fds[0], fds[1])
    }

    deinit {
        close(control.read)
        close(control.write)
    }

    /// Asks the run to end (from any thread, including a signal-watching one).
    public func requestStop() {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        var byte = ControlMessage.stopRequested.rawValue
        _ = write(control.write, &byte, 1)
    }

    /// bpftrace's whole command line after its path: the program file, nothing else. Never
    /// `--unsafe` (so `system()` cannot run even if a program had it), never user text (the
    /// program, with the run's secret boundary, is read from a root-only file), never `-e`.
    static func arguments(programPath: String) -> [String] { [programPath] }

    /// Runs bpftrace to the end. `onOutput` gets every chunk of standard output as it arrives
    /// (the caller scans it and answers `isAttached`: see `Pipeline.attached`, `synced`: the highest
    /// sync record seen, `isEnded`: END's record seen, `foreignLine`: see `Pipeline.foreignLine`).
    /// Tracing starts (deadline, command released) once the sync probe answers, i.e. every probe is attached; stops flush through
    /// the sync probe before the SIGINT; once `isEnded` says the END output is in, bpftrace is
    /// given a grace to exit and then killed, without waiting for its exit (a reaper thread
    /// collects it). The decisions are `RunSupervisor`'s. Blocks the calling thread.
    public func run(program: CompiledProgram, bpftrace: String, duration: TraceDuration,
                    command: ChildProcess?, watched: WatchedProcesses? = nil, onOutput: ([UInt8]) -> Void, isAttached: () -> Bool,
                    synced: () -> UInt64, isEnded: () -> Bool, endBegan: @escaping () -> Bool = { false },
                    foreignLine: () -> String?) -> Outcome {
        // The sync probe reports the time every few ms: a call is the moment it is made, and a
        // `F` record answers the calls made before its time (see `SyncMarker`).
        let calls = SyncCalls()
        return run(program: program, bpftrace: bpftrace, duration: duration, command: command, watched: watched,
                   callSync: program.sync.map { _ in { calls.note($0) } },
                   onOutput: onOutput, isAttached: isAttached,
                   synced: { program.sync == nil ? synced() : calls.answered(by: synced()) }, isEnded: isEnded, endBegan: endBegan,
                   foreignLine: foreignLine)
    }

    /// `run` with its seams exposed: how the sync marker is called (tests pass a fake bpftrace a
    /// FIFO that it answers with the call's sequence number), the timings, and where the program
    /// file goes.
    func run(program: CompiledProgram, bpftrace: String, duration: TraceDuration, command: ChildProcess?,
             watched: WatchedProcesses? = nil, callSync: ((UInt64) -> Void)?, timings: RunSupervisor.Timings = .standard,
             temporaryDirectory: String = NSTemporaryDirectory(),
             onOutput: ([UInt8]) -> Void, isAttached: () -> Bool, synced: () -> UInt64, isEnded: () -> Bool,
             endBegan: () -> Bool = { false }, foreignLine: () -> String?) -> Outcome {
        var machine = RunSupervisor(duration: duration.seconds, usesSync: callSync != nil, hasCommand: command != nil, timings: timings)
        var bpftraceProcess: ChildProcess?
        // The command's descendants when it was ended: they go with it (as with timeout(1)), so
        // that none holds tracesh's output open or runs on unseen.
        var commandTree: [pid_t] = []

        func perform(_ actions: [RunSupervisor.Action]) {
            for action in actions {
                switch action {
                case .callSync(let sequence): callSync?(sequence)
                case .interruptBpftrace:
                    // A SIGINT while END prints (a map keyed by stacks takes bpftrace a while to
                    // print) makes bpftrace 0.17 drop the rest of END and dump the maps raw.
                    if !endBegan() { bpftraceProcess?.signal(SIGINT) }
                case .killBpftrace: bpftraceProcess?.signalGroup(SIGKILL)
                case .releaseCommand: command?.release()
                case .cancelCommandHold: command?.cancelHold()
                case .terminateCommand:
                    guard let command else { break }
                    commandTree = ProcessTree.descendants(of: command.pid)
                    command.signal(SIGTERM)
                    for pid in commandTree { kill(pid, SIGTERM) }
                case .killCommand:
                    command?.signal(SIGKILL)
                    for pid in commandTree { kill(pid, SIGKILL) }
                }
            }
        }
        func send(_ event: RunSupervisor.Event) { perform(machine.handle(event, at: monotonicSeconds())) }

        // Tell the control pipe when the traced command exits (a cancelled hold included).
        if let command {
            let controlWrite = control.write
            Thread {
                _ = command.wait()
                var byte = ControlMessage.commandExited.rawValue
                _ = write(controlWrite, &byte, 1)
            }.start()
        }

        var startFailure: String?
        var errors: StreamCollector?
        var file: ProgramFile?
        defer { file?.remove() }
        if stopRequested.load(ordering: .sequentiallyConsistent) {
            // Stopped before it began (Ctrl-C while the run was being set up): nothing to start.
            send(.stopRequested)
        } else {
            do {
                file = try ProgramFile(source: program.source, in: temporaryDirectory)
                var environment = ProcessInfo.processInfo.environment
                environment["BPFTRACE_NO_USER_SYMBOLS"] = environment["BPFTRACE_NO_USER_SYMBOLS"] ?? "1"
                environment["BPFTRACE_STRLEN"] = String(program.stringLength)
                // Own process group: a terminal's Ctrl-C reaches tracesh, which stops bpftrace itself.
                let started = try ChildProcess(path: bpftrace, arguments: Self.arguments(programPath: file!.path), environment: environment,
                                               captureOutput: true, hold: false, deathSignal: SIGKILL, newProcessGroup: true)
                // A 1 MiB pipe instead of 64 KiB: when the reading thread is descheduled for a few
                // ms on a busy machine, bpftrace blocks writing to a full pipe, stops draining its
                // perf buffers, and the kernel drops events (33,191 of a million in one run).
                _ = fcntl(started.stdoutDescriptor, Self.setPipeSize, Self.pipeSize)
                bpftraceProcess = started
                process.withLock { $0 = started }
                errors = StreamCollector(descriptor: started.stderrDescriptor, limit: 65536)
                send(.started)
            } catch {
                startFailure = "\(error)"
                send(.startFailed)
            }
        }

        var outputOpen = bpftraceProcess != nil
        var attachedSeen = false, endSeen = false
        var lastSynced: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pollSet = [pollfd(fd: control.read, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: -1, events: Int16(POLLIN), revents: 0)]
        // The pidfds of the processes the run is attached to, after the two above; each is taken
        // out of the set (fd -1) once its process has exited, as it stays readable from then on.
        pollSet += (watched?.descriptors ?? []).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var watchedRunning = watched?.descriptors.count ?? 0
        while !machine.isFinished {
            // Sleeps until the next timer, or until output or a control message arrives.
            let timeout = machine.nextTimer.map { Int32(clamping: Int64(((max(0, $0.at - monotonicSeconds())) * 1000).rounded(.up))) } ?? -1
            // After a kill while detaching, bpftrace's output is no longer read.
            pollSet[1].fd = outputOpen && machine.phase != .done ? bpftraceProcess!.stdoutDescriptor : -1
            for index in pollSet.indices { pollSet[index].revents = 0 }
            if poll(&pollSet, nfds_t(pollSet.count), timeout) < 0 && errno != EINTR { break }
            for index in pollSet.indices.dropFirst(2) where pollSet[index].fd >= 0 && pollSet[index].revents != 0 {
                pollSet[index].fd = -1
                watchedRunning -= 1
                if watchedRunning == 0 { send(.processesExited) }
            }
            if pollSet[0].revents & Int16(POLLIN) != 0 {
                var bytes = [UInt8](repeating: 0, count: 16)
                let count = read(control.read, &bytes, bytes.count)
                for byte in bytes.prefix(max(0, count)) {
                    switch ControlMessage(rawValue: byte) {
                    case .stopRequested: send(.stopRequested)
                    case .commandExited: send(.commandExited)
                    case nil: break
                    }
                }
            }
            if pollSet[1].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0, let stdout = bpftraceProcess?.stdoutDescriptor {
                let count = read(stdout, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    outputOpen = false
                    send(.outputEnded)
                } else {
                    onOutput(Array(buffer[0..<count]))
                    // Later chunks send it again; the supervisor, having killed bpftrace, ignores those.
                    if !attachedSeen && foreignLine() != nil { send(.foreignOutput) }
                    if !attachedSeen && isAttached() {
                        attachedSeen = true
                        send(.attached)
                    }
                    let sequence = synced()
                    if sequence > lastSynced {
                        lastSynced = sequence
                        send(.synced(sequence))
                    }
                    if !endSeen && isEnded() {
                        endSeen = true
                        send(.endSeen)
                    }
                }
            }
            // Every timer that has run out, earliest first (a transition disarms or re-arms it).
            while let due = machine.nextTimer, due.at <= monotonicSeconds() {
                send(.timeout(due.timer))
            }
        }

        var exitCode: Int32?
        var stderrText = ""
        if let bpftraceProcess {
            close(bpftraceProcess.stdoutDescriptor)
            // Killed once its results were in, or while detaching: a reaper thread collects it
            // (`waitForBpftraceExit`); the run does not wait for the kernel to finish with it.
            let notWaited = machine.killedWhileDetaching || machine.killedAfterEnd
            if !notWaited {
                exitCode = bpftraceProcess.wait(timeout: timings.stopGrace) ?? {
                    bpftraceProcess.signal(SIGKILL)
                    return bpftraceProcess.wait()
                }()
            }
            stderrText = errors?.finish(timeout: notWaited ? 0 : nil) ?? ""
        }
        var commandEnding: CommandEnding?
        if let command {
            let code = command.wait() ?? -1
            switch machine.command {
            case .cancelled, .held, .none: commandEnding = .neverStarted
            case .running: commandEnding = .exited(code)
            case .terminating: commandEnding = .terminated(code)
            case .killed: commandEnding = code == 128 + SIGKILL ? .killed : .terminated(code)
            }
        }

        var failure = startFailure
        switch startFailure == nil ? machine.failure(exitCode: exitCode) : nil {
        case .foreignOutput?:
            let quoted = foreignLine().map { $0.count > 120 ? String($0.prefix(120)) + "..." : $0 } ?? ""
            failure = "\(bpftrace) printed \(quoted.debugDescription) before attaching its probes, which bpftrace never does: is it bpftrace?"
                + Self.explain(stderrText, prefix: "; on standard error: ")
        case .attachTimedOut?:
            failure = "bpftrace did not attach its probes within \(Int(timings.attach)) s" + Self.explain(stderrText, prefix: ": ")
        case .exitedBeforeTracing?:
            failure = "bpftrace failed before tracing started" + Self.explain(stderrText, prefix: ": ", exitCode: exitCode)
        case .exitedUnexpectedly?:
            failure = "bpftrace ended unexpectedly" + Self.explain(stderrText, prefix: ": ", exitCode: exitCode)
        case nil:
            break
        }
        return Outcome(failure: failure, stopReason: machine.stopReason ?? .bpftraceExited, exitCode: exitCode,
                       commandEnding: commandEnding, traced: machine.traced, endedAt: machine.traced ? machine.tracingEndedAt : nil)
    }

    /// Waits until this run's bpftrace process has exited and been reaped (it may still be
    /// detaching in the kernel after the run ended). False when `timeout` passed first.
    public func waitForBpftraceExit(timeout: Double) -> Bool {
        guard let process = process.withLock({ $0 }) else { return true }
        return process.wait(timeout: timeout) != nil
    }

    /// bpftrace's error lines, without the harmless RLIMIT_MEMLOCK warning nor its compiler's
    /// warnings (each with the program line and caret line it quotes), in tracesh's words; a
    /// signal that killed it comes first (its own last words are not why it ended).
    static func explain(_ stderr: String, prefix: String, exitCode: Int32? = nil) -> String {
        var inWarning = false
        let lines = stderr.split(separator: "\n").map(String.init).filter { line in
            if line.contains("WARNING:") { inWarning = true; return false }
            if inWarning && !line.contains("ERROR:") { return false }
            inWarning = false
            // A quoted program line carrying `\x1f` is a framing printf: it would show the secret boundary.
            return !line.contains("couldn't set RLIMIT_MEMLOCK") && !line.contains("\\x1f") && !line.trimmingCharacters(in: .whitespaces).isEmpty
        }
        var reasons: [String] = []
        if let exitCode, exitCode > 128 { reasons.append("it was killed by \(signalName(exitCode - 128))") }
        for line in lines {
            var text = line
            if let range = text.range(of: "ERROR: ") { text = String(text[range.upperBound...]) }
            if text.contains("Operation not permitted") || text.contains("Permission denied") {
                text += " (tracing needs root or CAP_BPF and CAP_PERFMON; see 'caps')"
            } else if text.contains("tracefs") || text.contains("debugfs") {
                text += " (mount tracefs and debugfs; see 'caps')"
            }
            reasons.append(text)
        }
        if reasons.isEmpty, let exitCode { reasons.append("it exited with status \(exitCode)") }
        return reasons.isEmpty ? "" : prefix + reasons.prefix(5).joined(separator: "; ")
    }

    /// `SIGKILL` for 9, and so on for the signals that end processes; else `signal N`.
    static func signalName(_ number: Int32) -> String {
        let names: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGABRT: "SIGABRT",
                                      SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE",
                                      SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGSYS: "SIGSYS"]
        return names[number].map { "\($0) (signal \(number))" } ?? "signal \(number)"
    }
}

/// Reads a descriptor to its end on a thread of its own, keeping at most `limit` bytes, and
/// closes it there.
final class StreamCollector: Sendable {
    private let text = Mutex<[UInt8]>([])
    private let done = DispatchSemaphore(value: 0)

    init(descriptor: Int32, limit: Int) {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                text.withLock { bytes in
                    if bytes.count < limit { bytes += buffer[0..<min(count, limit - bytes.count)] }
                }
            }
            close(descriptor)
            done.signal()
        }.start()
    }

    /// Waits for end of file (at most `timeout` seconds) and returns what was read.
    public func finish(timeout: Double? = nil) -> String {
        if let timeout { _ = done.wait(timeout: .now() + timeout) } else { done.wait() }
        return String(decoding: text.withLock { $0 }, as: UTF8.self)
    }
}

/// Seconds on the monotonic clock.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Realtime minus monotonic, in nanoseconds: added to bpftrace's `nsecs` to get wall-clock time.
public func monotonicToRealtimeOffset() -> Int64 {
    var real = timespec(), mono = timespec()
    clock_gettime(CLOCK_MONOTONIC, &mono)
    clock_gettime(CLOCK_REALTIME, &real)
    return (Int64(real.tv_sec) - Int64(mono.tv_sec)) * 1_000_000_000 + (Int64(real.tv_nsec) - Int64(mono.tv_nsec))
}
