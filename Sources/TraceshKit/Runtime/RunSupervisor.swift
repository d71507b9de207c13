import TraceshModel
import TraceshFiles

/// The life of one bpftrace run as a state machine: what the runner does when bpftrace prints,
/// attaches, ends its output, when the user stops the run, the traced command exits or a timer
/// runs out. A pure value: `handle(_:at:)` takes an event and the time and returns the actions
/// to take; `BpftraceRunner` turns file descriptors and signals into events and performs the
/// actions, so every decision here is testable without processes, root or a clock.
///
/// bpftrace's side moves through `Phase`; the traced command (`run -- COMMAND`) has its own
/// `CommandState`, because it may have to be ended (or may end by itself) in any phase.
struct RunSupervisor: Sendable, Equatable {
    enum Phase: Hashable, Sendable {
        /// bpftrace is not started yet.
        case starting
        /// bpftrace runs and attaches its probes; the sync marker is called until its probe (the
        /// last one attached) answers.
        case attaching
        /// Every probe is attached: tracing, until the deadline, a stop, the command's exit.
        case running
        /// The stop has begun: waiting for the sync probe to answer call `target`, so that the
        /// events before it have been read (`round` 1 and then 2, as the first answer may have
        /// been read in the middle of a batch).
        case flushing(round: Int, target: UInt64)
        /// SIGINT was sent; it is repeated until END's record arrives.
        case interrupting
        /// END's record arrived: bpftrace is detaching its probes and should exit.
        case detaching
        /// SIGKILL was sent (a stop before tracing began, or bpftrace did not answer SIGINT):
        /// its output is read to the end.
        case killed
        /// bpftrace's part is over: its output ended, or it was killed once END was in or while
        /// detaching (it is not waited for; detaching can block in the kernel for seconds).
        case done
    }

    /// The traced command's side of the run.
    enum CommandState: Hashable, Sendable {
        /// No command (`run` without `--`).
        case none
        /// Spawned and held before exec until tracing starts.
        case held
        /// Released: it runs.
        case running
        /// The run ended while it ran: SIGTERM was sent to it and its descendants.
        case terminating
        /// It outlived the grace after SIGTERM: SIGKILL was sent.
        case killed
        /// Tracing never began: its hold was cancelled, so it exits without running.
        case cancelled
    }

    enum Event: Hashable, Sendable {
        /// bpftrace was spawned.
        case started
        /// bpftrace could not be started (program file, spawn).
        case startFailed
        /// `stop`, Ctrl-C, shutdown.
        case stopRequested
        /// The output says every probe is attached (see `Pipeline.attached`).
        case attached
        /// The sync probe answered calls up to this sequence number.
        case synced(UInt64)
        /// END's record arrived: bpftrace printed its maps and is about to exit.
        case endSeen
        /// The traced command exited (or its hold was cancelled and it went away).
        case commandExited
        /// Every process the run was attached to (`run -p PID,...`) has exited.
        case processesExited
        /// A timer armed by an earlier transition ran out.
        case timeout(Timer)
        /// bpftrace's standard output reached end of file.
        case outputEnded
        /// bpftrace printed what bpftrace never prints before attaching (see `Pipeline.foreignLine`).
        case foreignOutput
    }

    enum Timer: Hashable, Sendable, CaseIterable {
        /// bpftrace took too long to attach its probes.
        case attach
        /// Time to call the sync marker again while attaching.
        case syncRetry
        /// The run's duration is over.
        case deadline
        /// The flush through the sync probe took too long; interrupt anyway.
        case flush
        /// Time to repeat SIGINT (bpftrace 0.17 can miss one).
        case interruptRepeat
        /// bpftrace did not print END in time after SIGINT.
        case stopGrace
        /// bpftrace printed END but has not exited in time.
        case detachGrace
        /// The traced command outlived its grace after SIGTERM.
        case commandGrace
    }

    enum Action: Hashable, Sendable {
        /// Call the sync marker with this sequence number.
        case callSync(UInt64)
        case interruptBpftrace
        case killBpftrace
        /// Let the held command exec.
        case releaseCommand
        /// Make the held command exit without running.
        case cancelCommandHold
        /// SIGTERM the command and its descendants (remembering them for a later SIGKILL).
        case terminateCommand
        /// SIGKILL the command and the descendants it had at SIGTERM.
        case killCommand
    }

    /// Why a run failed, before bpftrace's own words are added.
    enum Failure: Hashable, Sendable {
        case attachTimedOut
        case exitedBeforeTracing
        case exitedUnexpectedly
        /// What was started as bpftrace printed something bpftrace does not before attaching.
        case foreignOutput
    }

    /// How long each stage may take (seconds); tests shorten them.
    struct Timings: Hashable, Sendable {
        /// How long bpftrace may take to attach its probes before the run fails.
        var attach: Double = 120
        /// How often the sync marker is called while waiting for the sync probe to attach.
        var syncRetry: Double = 0.01
        /// How long a stop waits for its flush through the sync probe before interrupting anyway.
        var flush: Double = 2
        /// bpftrace 0.17 loses a SIGINT that lands after its last check and before it blocks in
        /// epoll_wait (seen here about one run in five with no events flowing); until its END
        /// output arrives, the SIGINT is repeated this often.
        var interruptRepeat: Double = 0.5
        /// How long bpftrace gets after SIGINT to print its maps before SIGKILL.
        var stopGrace: Double = 10
        /// How long bpftrace gets to exit once its END output is in. Detaching probes waits for
        /// a kernel RCU grace period (synchronize_rcu_tasks_trace), which on this kernel now and
        /// then takes over ten seconds; nothing is left to collect by then.
        var detachGrace: Double = 2
        /// How long the traced command gets after SIGTERM at the end of a run before SIGKILL.
        var commandGrace: Double = 1

        static let standard = Timings()
    }

    let timings: Timings
    /// The run's duration from the moment every probe is attached.
    let duration: Double
    /// Whether the program carries the sync probe (see `SyncMarker`).
    let usesSync: Bool

    private(set) var phase: Phase = .starting
    private(set) var command: CommandState
    /// Whether the traced command has exited.
    private(set) var commandHasExited = false
    /// Armed timers and when they run out (monotonic seconds).
    private(set) var timers: [Timer: Double] = [:]
    /// Sync marker calls made so far.
    private(set) var syncCalls: UInt64 = 0
    /// Why the run ended; nil while it goes on.
    private(set) var stopReason: BpftraceRunner.StopReason?
    /// When every probe was attached and when the stop began (or the output ended by itself).
    private(set) var tracingStartedAt: Double?
    private(set) var tracingEndedAt: Double?
    /// A stop came before tracing began: bpftrace was killed (or never started), not waited for.
    private(set) var abandoned = false
    private(set) var attachTimedOut = false
    /// What was started as bpftrace is not speaking bpftrace's protocol: killed at once.
    private(set) var foreignOutput = false
    /// SIGINT was sent (and bpftrace's exit on it is expected).
    private(set) var interrupted = false
    /// bpftrace printed END and was killed while it detached.
    private(set) var killedWhileDetaching = false
    /// bpftrace printed END after tracesh's SIGINT and was killed then (its results were complete).
    private(set) var killedAfterEnd = false
    /// bpftrace did not answer SIGINT within the stop grace and was killed.
    private(set) var killedAfterStopGrace = false

    init(duration: Double, usesSync: Bool, hasCommand: Bool, timings: Timings = .standard) {
        self.duration = duration
        self.usesSync = usesSync
        self.timings = timings
        command = hasCommand ? .held : .none
    }

    /// Whether tracing began (every probe attached).
    var traced: Bool { tracingStartedAt != nil }

    /// The run is over: bpftrace's part is done and the traced command, if any, has exited.
    var isFinished: Bool { phase == .done && (command == .none || commandHasExited) }

    /// The timer that runs out first, and when.
    var nextTimer: (timer: Timer, at: Double)? {
        timers.min { $0.value != $1.value ? $0.value < $1.value : $0.key.order < $1.key.order }.map { ($0.key, $0.value) }
    }

    /// The pure form of `handle`: the next state and the actions that lead to it.
    func next(on event: Event, at now: Double) -> (RunSupervisor, [Action]) {
        var state = self
        let actions = state.handle(event, at: now)
        return (state, actions)
    }

    /// Applies `event` at `now` and returns what to do, in order.
    mutating func handle(_ event: Event, at now: Double) -> [Action] {
        var actions: [Action] = []
        switch (phase, event) {
        case (.starting, .started):
            phase = .attaching
            timers[.attach] = now + timings.attach
            if usesSync { callSync(now, &actions) }
        case (.starting, .startFailed), (.starting, .stopRequested):
            // Nothing ran, nothing to wait for but a held command.
            if event == .stopRequested { stopReason = .requested; abandoned = true } else { stopReason = .bpftraceExited }
            finishBpftrace(now, &actions)

        case (.attaching, .attached):
            phase = .running
            tracingStartedAt = now
            timers[.attach] = nil
            timers[.syncRetry] = nil
            timers[.deadline] = now + duration
            if command == .held {
                command = .running
                actions.append(.releaseCommand)
            }
        case (.attaching, .timeout(.syncRetry)):
            callSync(now, &actions)
        case (.attaching, .stopRequested), (.attaching, .commandExited):
            // Nothing has been traced, so nothing needs flushing: bpftrace is killed and its
            // output read to the end. (A held command that exits was ended from outside.)
            stopReason = event == .stopRequested ? .requested : .commandExited
            abandoned = true
            if event == .commandExited { commandHasExited = true }
            cancelHold(&actions)
            kill(&actions)
        case (.attaching, .processesExited):
            // They were gone before tracing began: nothing of theirs can be traced.
            stopReason = .processesExited
            abandoned = true
            kill(&actions)
        case (.attaching, .foreignOutput):
            // Waiting for an attach that will not come helps nobody: killed now, not after the
            // attach timeout, and not asked to stop (a stand-in may ignore SIGINT).
            foreignOutput = true
            stopReason = .bpftraceExited
            cancelHold(&actions)
            kill(&actions)
        case (.attaching, .timeout(.attach)):
            attachTimedOut = true
            stopReason = .bpftraceExited
            cancelHold(&actions)
            interrupt(now, &actions)

        case (.running, .timeout(.deadline)):
            beginStop(.deadline, now, &actions)
        case (.running, .stopRequested):
            beginStop(.requested, now, &actions)
        case (.running, .commandExited):
            commandHasExited = true
            beginStop(.commandExited, now, &actions)
        case (.running, .processesExited):
            beginStop(.processesExited, now, &actions)

        case (.flushing(let round, let target), .synced(let sequence)) where sequence >= target:
            if round == 1 {
                callSync(now, &actions)
                phase = .flushing(round: 2, target: syncCalls)
            } else {
                interrupt(now, &actions)
            }
        case (.flushing, .timeout(.flush)):
            interrupt(now, &actions)

        case (.interrupting, .timeout(.interruptRepeat)):
            timers[.interruptRepeat] = now + timings.interruptRepeat
            actions.append(.interruptBpftrace)
        case (.interrupting, .timeout(.stopGrace)):
            killedAfterStopGrace = true
            kill(&actions)

        case (.interrupting, .endSeen) where interrupted && stopReason != .bpftraceExited:
            // END's output is the last of the run's results, and bpftrace 0.17 detaches every
            // probe before it runs END: all that is left is a 100 ms drain of its perf buffers.
            // So the results are complete: bpftrace is killed at once (nothing it still does is
            // wanted) and not waited for; a reaper collects it (see BpftraceRunner).
            killedAfterEnd = true
            actions.append(.killBpftrace)
            finishBpftrace(now, &actions)
        case (.attaching, .endSeen), (.running, .endSeen), (.flushing, .endSeen), (.interrupting, .endSeen):
            // END without our SIGINT means bpftrace is ending by itself: the run is over.
            if stopReason == nil { endTracing(.bpftraceExited, now, &actions) }
            phase = .detaching
            timers[.attach] = nil
            timers[.syncRetry] = nil
            timers[.flush] = nil
            timers[.interruptRepeat] = nil
            timers[.stopGrace] = nil
            timers[.detachGrace] = now + timings.detachGrace
        case (.detaching, .timeout(.detachGrace)):
            killedWhileDetaching = true
            actions.append(.killBpftrace)
            finishBpftrace(now, &actions)

        case (.attaching, .outputEnded), (.running, .outputEnded), (.flushing, .outputEnded),
             (.interrupting, .outputEnded), (.detaching, .outputEnded), (.killed, .outputEnded):
            if stopReason == nil { endTracing(.bpftraceExited, now, &actions) }
            finishBpftrace(now, &actions)

        case (_, .commandExited):
            commandHasExited = true
            timers[.commandGrace] = nil
        case (_, .timeout(.commandGrace)):
            timers[.commandGrace] = nil
            if command == .terminating && !commandHasExited {
                command = .killed
                actions.append(.killCommand)
            }
        case (_, .timeout(let timer)):
            // A timer of an earlier phase that the transition out of it did not need.
            timers[timer] = nil
        default:
            // Not meaningful in this phase (a second stop request, output after a kill, ...).
            break
        }
        return actions
    }

    /// Why the run failed, given bpftrace's exit code (nil: not waited for); nil when it ended
    /// the way tracesh asked it to.
    func failure(exitCode: Int32?) -> Failure? {
        if foreignOutput { return .foreignOutput }
        if abandoned || (killedWhileDetaching || killedAfterEnd) && stopReason != .bpftraceExited { return nil }
        if attachTimedOut { return .attachTimedOut }
        if !traced { return .exitedBeforeTracing }
        let answeredSIGINT = interrupted && !killedAfterStopGrace && (exitCode == 0 || exitCode == 128 + 2)
        return answeredSIGINT && stopReason != .bpftraceExited ? nil : .exitedUnexpectedly
    }

    // MARK: - Steps shared by several transitions

    private mutating func callSync(_ now: Double, _ actions: inout [Action]) {
        syncCalls += 1
        actions.append(.callSync(syncCalls))
        if phase == .attaching { timers[.syncRetry] = now + timings.syncRetry }
    }

    /// The run is over from now on (its duration ends here), and so is the traced command's part.
    private mutating func endTracing(_ reason: BpftraceRunner.StopReason, _ now: Double, _ actions: inout [Action]) {
        stopReason = reason
        timers[.deadline] = nil
        if traced && tracingEndedAt == nil { tracingEndedAt = now }
        endCommand(now, &actions)
    }

    /// Ends the run: first a flush through the sync probe, so that events already in the perf
    /// buffers are read before bpftrace's SIGINT handling drops them.
    private mutating func beginStop(_ reason: BpftraceRunner.StopReason, _ now: Double, _ actions: inout [Action]) {
        endTracing(reason, now, &actions)
        guard usesSync else { return interrupt(now, &actions) }
        callSync(now, &actions)
        phase = .flushing(round: 1, target: syncCalls)
        timers[.flush] = now + timings.flush
    }

    private mutating func interrupt(_ now: Double, _ actions: inout [Action]) {
        phase = .interrupting
        interrupted = true
        timers[.flush] = nil
        timers[.attach] = nil
        timers[.syncRetry] = nil
        timers[.interruptRepeat] = now + timings.interruptRepeat
        timers[.stopGrace] = now + timings.stopGrace
        actions.append(.interruptBpftrace)
    }

    /// SIGKILL, sent once; the output is then read to its end.
    private mutating func kill(_ actions: inout [Action]) {
        phase = .killed
        for timer in [Timer.attach, .syncRetry, .flush, .interruptRepeat, .stopGrace] { timers[timer] = nil }
        actions.append(.killBpftrace)
    }

    private mutating func finishBpftrace(_ now: Double, _ actions: inout [Action]) {
        phase = .done
        for timer in Timer.allCases where timer != .commandGrace { timers[timer] = nil }
        cancelHold(&actions)
        endCommand(now, &actions)
    }

    private mutating func cancelHold(_ actions: inout [Action]) {
        guard command == .held else { return }
        command = .cancelled
        actions.append(.cancelCommandHold)
    }

    /// Like timeout(1): SIGTERM to the command and its descendants now, SIGKILL after the grace.
    private mutating func endCommand(_ now: Double, _ actions: inout [Action]) {
        guard command == .running, !commandHasExited else { return }
        command = .terminating
        timers[.commandGrace] = now + timings.commandGrace
        actions.append(.terminateCommand)
    }
}

extension RunSupervisor.Timer {
    /// Breaks ties between timers due at the same moment, in declaration order.
    fileprivate var order: Int { Self.allCases.firstIndex(of: self)! }
}
