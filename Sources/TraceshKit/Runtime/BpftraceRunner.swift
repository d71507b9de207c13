import CSupport
import Foundation
import Synchronization

/// Supervises one bpftrace process: starts it on a program file, streams its output, ends it at
/// the deadline or on request (SIGINT first, so END prints the maps; SIGKILL after a grace
/// period), and explains failures in tracesh's words.
public final class BpftraceRunner: Sendable {
    public enum StopReason: String, Sendable {
        case deadline, requested, commandExited, bpftraceExited
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

    /// How long bpftrace may take to attach its probes before the run fails.
    static let attachTimeout: Double = 120
    /// How long bpftrace gets after SIGINT to print its maps and exit before SIGKILL.
    static let stopGrace: Double = 10
    /// How long bpftrace gets to exit once its END output is in. Detaching probes waits for a
    /// kernel RCU grace period (synchronize_rcu_tasks_trace), which on this kernel now and then
    /// takes over ten seconds; nothing is left to collect by then, so tracesh does not wait.
    static let detachGrace: Double = 2
    /// bpftrace 0.17 loses a SIGINT that lands after its last check and before it blocks in
    /// epoll_wait (seen here about one run in five with no events flowing); until its END output
    /// arrives, the SIGINT is repeated this often.
    static let interruptRepeat: Double = 0.5
    /// How often the sync marker is called while waiting for the sync probe to attach.
    static let syncRetry: Double = 0.01
    /// How long a stop waits for its flush through the sync probe before interrupting anyway.
    static let flushTimeout: Double = 2
    /// How long the traced command gets after SIGTERM at the end of a run before SIGKILL.
    static let commandGrace: Double = 1

    /// The bpftrace process of this run, once started (so that tracesh can wait for it to be gone).
    private let process = Mutex<ChildProcess?>(nil)

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
        var byte: UInt8 = 1
        _ = write(control.write, &byte, 1)
    }

    /// Runs bpftrace to the end. `onOutput` gets every chunk of standard output as it arrives
    /// (the caller scans it and answers `isAttached`: see `Pipeline.attached`, `synced`: the highest
    /// sync record seen, `isEnded`: END's record seen). Tracing starts (deadline, command
    /// released) once the sync probe answers, i.e. every probe is attached; stops flush through
    /// the sync probe before the SIGINT; once `isEnded` says the END
    /// output is in, bpftrace is given `detachGrace` to exit and then killed, without waiting
    /// for its exit (a reaper thread collects it). Blocks the calling thread.
    public func run(program: CompiledProgram, bpftrace: String, duration: TraceDuration,
                    command: ChildProcess?, onOutput: ([UInt8]) -> Void, isAttached: () -> Bool,
                    synced: () -> UInt64, isEnded: () -> Bool) -> Outcome {
        // Stopped before it began (Ctrl-C while the run was being set up): nothing to start.
        if stopRequested.load(ordering: .sequentiallyConsistent) {
            command?.cancelHold()
            _ = command?.wait()
            return Outcome(failure: nil, stopReason: .requested, exitCode: nil,
                           commandEnding: command.map { _ in .neverStarted }, traced: false)
        }
        let file: ProgramFile
        do { file = try ProgramFile(source: program.source) } catch {
            command?.cancelHold()
            return Outcome(failure: "\(error)", stopReason: .bpftraceExited, traced: false)
        }
        defer { file.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment["BPFTRACE_NO_USER_SYMBOLS"] = environment["BPFTRACE_NO_USER_SYMBOLS"] ?? "1"
        environment["BPFTRACE_STRLEN"] = String(program.stringLength)
        let process: ChildProcess
        do {
            // Own process group: a terminal's Ctrl-C reaches tracesh, which stops bpftrace itself.
            process = try ChildProcess(path: bpftrace, arguments: [file.path], environment: environment,
                                       captureOutput: true, hold: false, deathSignal: SIGKILL, newProcessGroup: true)
        } catch {
            command?.cancelHold()
            return Outcome(failure: "\(error)", stopReason: .bpftraceExited, traced: false)
        }
        self.process.withLock { $0 = process }
        let errors = StreamCollector(descriptor: process.stderrDescriptor, limit: 65536)

        // Tell the control pipe when the traced command exits.
        if let command {
            let controlWrite = control.write
            Thread {
                _ = command.wait()
                var byte: UInt8 = 2
                _ = write(controlWrite, &byte, 1)
            }.start()
        }

        var reason: StopReason = .bpftraceExited
        var started = false
        var interruptedAt: Double?
        var tracingEndedAt: Double?
        var endedAt: Double?
        var lastInterrupt: Double = 0
        var killedWhileDetaching = false
        var killedAfterStopGrace = false
        // A stop asked for before tracing started: bpftrace is killed, not waited for.
        var abandoned = false
        var commandTerminatedAt: Double?
        var commandKilled = false
        // The command's descendants when it was ended: they go with it (as with timeout(1)), so
        // that none holds tracesh's output open or runs on unseen.
        var commandTree: [pid_t] = []
        var deadline = monotonicSeconds() + Self.attachTimeout
        var attachTimedOut = false
        // The sync barrier (see SyncMarker): calls made so far, and the pending stop's flush.
        let sync = program.sync
        var syncSent: UInt64 = 0
        var lastSyncCall: Double = 0
        var stopping: (reason: StopReason, at: Double, round: Int, target: UInt64)?
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pollSet = [pollfd(fd: process.stdoutDescriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: control.read, events: Int16(POLLIN), revents: 0)]

        func interrupt(_ why: StopReason) {
            guard interruptedAt == nil else { return }
            reason = why
            interruptedAt = monotonicSeconds()
            if tracingEndedAt == nil { tracingEndedAt = interruptedAt }
            process.signal(SIGINT)
        }
        /// The run is over for the traced command too (like timeout(1)): SIGTERM now, SIGKILL
        /// after `commandGrace`, while bpftrace flushes and exits.
        func endCommand() {
            guard let command, started, commandTerminatedAt == nil, !command.hasExited else { return }
            commandTerminatedAt = monotonicSeconds()
            commandTree = ProcessTree.descendants(of: command.pid)
            command.signal(SIGTERM)
            for pid in commandTree { kill(pid, SIGTERM) }
        }
        func killCommandIfGraceIsOver() {
            guard let command, let terminatedAt = commandTerminatedAt, !commandKilled, !command.hasExited,
                  monotonicSeconds() - terminatedAt >= Self.commandGrace else { return }
            commandKilled = true
            command.signal(SIGKILL)
            for pid in commandTree { kill(pid, SIGKILL) }
        }
        func callSync() {
            guard let sync else { return }
            syncSent += 1
            lastSyncCall = monotonicSeconds()
            sync.signal(syncSent)
        }
        /// Ends the run: first a flush through the sync probe, so that events already in the
        /// perf buffers are read before bpftrace's SIGINT handling drops them.
        func beginStop(_ why: StopReason) {
            guard interruptedAt == nil, stopping == nil else { return }
            tracingEndedAt = monotonicSeconds()
            if why != .commandExited { endCommand() }
            guard sync != nil, started else { return interrupt(why) }
            callSync()
            stopping = (why, monotonicSeconds(), 1, syncSent)
        }

        outer: while true {
            let now = monotonicSeconds()
            if interruptedAt == nil && stopping == nil && now >= deadline {
                if started { beginStop(.deadline) } else { attachTimedOut = true; interrupt(.bpftraceExited) }
            }
            if let flush = stopping, interruptedAt == nil {
                if synced() >= flush.target {
                    // Twice: the first record may have been read in the middle of a batch.
                    if flush.round == 1 {
                        callSync()
                        stopping = (flush.reason, flush.at, 2, syncSent)
                    } else {
                        interrupt(flush.reason)
                    }
                } else if now - flush.at > Self.flushTimeout {
                    interrupt(flush.reason)
                }
            }
            if let endedAt, now - endedAt > Self.detachGrace {
                process.signal(SIGKILL)
                killedWhileDetaching = true
                break outer
            }
            if let interruptedAt, now - interruptedAt > Self.stopGrace, !killedAfterStopGrace {
                killedAfterStopGrace = true
                process.signal(SIGKILL)
            }
            killCommandIfGraceIsOver()
            if interruptedAt != nil, endedAt == nil, now - lastInterrupt >= Self.interruptRepeat {
                if lastInterrupt > 0 { process.signal(SIGINT) }
                lastInterrupt = now
            }
            // Waiting for the sync probe to attach: call the marker until its record comes back.
            let attaching = sync != nil && !started
            if attaching && now - lastSyncCall >= Self.syncRetry { callSync() }

            var wait = interruptedAt.map { max(0, $0 + Self.stopGrace - now) } ?? max(0, deadline - now)
            if let endedAt { wait = min(wait, max(0, endedAt + Self.detachGrace - now)) }
            if interruptedAt != nil && endedAt == nil { wait = min(wait, Self.interruptRepeat) }
            if attaching || (stopping != nil && interruptedAt == nil) { wait = min(wait, Self.syncRetry) }
            if let terminatedAt = commandTerminatedAt, !commandKilled {
                wait = min(wait, max(0, terminatedAt + Self.commandGrace - now))
            }
            pollSet[0].revents = 0
            pollSet[1].revents = 0
            let ready = poll(&pollSet, 2, Int32(min(wait, 1) * 1000) + 1)
            if ready < 0 && errno != EINTR { break }
            if pollSet[1].revents & Int16(POLLIN) != 0 {
                var byte: UInt8 = 0
                _ = read(control.read, &byte, 1)
                if byte == 2 || started {
                    beginStop(byte == 2 ? .commandExited : .requested)
                } else if !abandoned {
                    // Asked to stop while bpftrace still attaches: nothing has been traced, so
                    // there is nothing to flush; bpftrace is killed and its output read to the end.
                    abandoned = true
                    reason = .requested
                    process.signal(SIGKILL)
                }
            }
            if pollSet[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let count = read(process.stdoutDescriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break outer }
                onOutput(Array(buffer[0..<count]))
                if endedAt == nil && isEnded() { endedAt = monotonicSeconds() }
                if !started && !abandoned && isAttached() {
                    started = true
                    deadline = monotonicSeconds() + duration.seconds
                    command?.release()
                    if stopRequested.load(ordering: .sequentiallyConsistent) { beginStop(.requested) }
                }
            }
        }
        close(process.stdoutDescriptor)
        if tracingEndedAt == nil { tracingEndedAt = monotonicSeconds() }
        let exitCode = killedWhileDetaching ? nil : process.wait(timeout: Self.stopGrace) ?? {
            process.signal(SIGKILL)
            return process.wait()
        }()
        let stderrText = errors.finish(timeout: killedWhileDetaching ? 0 : nil)
        var commandEnding: CommandEnding?
        if let command {
            if !started {
                command.cancelHold()
                _ = command.wait()
                commandEnding = .neverStarted
            } else {
                endCommand()
                if let terminatedAt = commandTerminatedAt, !commandKilled,
                   command.wait(timeout: max(0, terminatedAt + Self.commandGrace - monotonicSeconds())) == nil {
                    commandKilled = true
                    command.signal(SIGKILL)
                    for pid in commandTree { kill(pid, SIGKILL) }
                }
                let code = command.wait() ?? -1
                if commandTerminatedAt == nil {
                    commandEnding = .exited(code)
                } else {
                    commandEnding = commandKilled && code == 128 + SIGKILL ? .killed : .terminated(code)
                }
            }
        }

        let expected = killedWhileDetaching || abandoned
            || (interruptedAt != nil && !attachTimedOut && (exitCode == 0 || exitCode == 128 + SIGINT))
        var failure: String?
        if abandoned {
            failure = nil
        } else if attachTimedOut {
            failure = "bpftrace did not attach its probes within \(Int(Self.attachTimeout)) s" + Self.explain(stderrText, prefix: ": ")
        } else if !started {
            failure = "bpftrace failed before tracing started" + Self.explain(stderrText, prefix: ": ", exitCode: exitCode)
        } else if !expected {
            failure = "bpftrace ended unexpectedly" + Self.explain(stderrText, prefix: ": ", exitCode: exitCode)
        }
        return Outcome(failure: failure, stopReason: reason, exitCode: exitCode, commandEnding: commandEnding, traced: started,
                       endedAt: started ? tracingEndedAt : nil)
    }

    /// Waits until this run's bpftrace process has exited and been reaped (it may still be
    /// detaching in the kernel after the run ended). False when `timeout` passed first.
    public func waitForBpftraceExit(timeout: Double) -> Bool {
        guard let process = process.withLock({ $0 }) else { return true }
        return process.wait(timeout: timeout) != nil
    }

    /// bpftrace's error lines, without the harmless RLIMIT_MEMLOCK warning, in tracesh's words.
    static func explain(_ stderr: String, prefix: String, exitCode: Int32? = nil) -> String {
        let lines = stderr.split(separator: "\n").map(String.init).filter { line in
            // A quoted program line carrying `\x1f` is a framing printf: it would show the secret boundary.
            !line.contains("couldn't set RLIMIT_MEMLOCK") && !line.contains("\\x1f") && !line.trimmingCharacters(in: .whitespaces).isEmpty
        }
        var reasons: [String] = []
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
        if reasons.isEmpty, let exitCode {
            reasons.append(exitCode > 128 ? "it was killed by signal \(exitCode - 128)" : "it exited with status \(exitCode)")
        }
        return reasons.isEmpty ? "" : prefix + reasons.prefix(5).joined(separator: "; ")
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
    func finish(timeout: Double? = nil) -> String {
        if let timeout { _ = done.wait(timeout: .now() + timeout) } else { done.wait() }
        return String(decoding: text.withLock { $0 }, as: UTF8.self)
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
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
