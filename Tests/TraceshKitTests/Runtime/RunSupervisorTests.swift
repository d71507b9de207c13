import Testing
@testable import TraceshKit
@testable import TraceshRuntime

/// Every transition of the run's state machine, with a made-up clock: no process, no root.
@Suite struct RunSupervisorTests {
    typealias Machine = RunSupervisor
    let timings = Machine.Timings()

    /// A machine that has started bpftrace at t = 0.
    func attaching(sync: Bool = true, command: Bool = false) -> Machine {
        var machine = Machine(duration: 5, usesSync: sync, hasCommand: command, timings: timings)
        _ = machine.handle(.started, at: 0)
        return machine
    }

    /// A machine tracing since t = 1.
    func running(sync: Bool = true, command: Bool = false) -> Machine {
        var machine = attaching(sync: sync, command: command)
        _ = machine.handle(.attached, at: 1)
        return machine
    }

    @Test func startingCallsTheSyncMarkerAndArmsTheAttachTimeout() {
        var machine = Machine(duration: 5, usesSync: true, hasCommand: false, timings: timings)
        #expect(machine.handle(.started, at: 0) == [.callSync(1)])
        #expect(machine.phase == .attaching)
        #expect(machine.timers[.attach] == timings.attach && machine.timers[.syncRetry] == timings.syncRetry)
        #expect(machine.nextTimer?.timer == .syncRetry)
        // The marker is called again until its probe answers.
        #expect(machine.handle(.timeout(.syncRetry), at: 0.01) == [.callSync(2)])
        #expect(machine.timers[.syncRetry] == 0.01 + timings.syncRetry)
    }

    @Test func withoutTheSyncProbeNothingIsCalled() {
        var machine = Machine(duration: 5, usesSync: false, hasCommand: false, timings: timings)
        #expect(machine.handle(.started, at: 0) == [])
        #expect(machine.timers[.syncRetry] == nil)
    }

    @Test func attachingReleasesTheCommandAndStartsTheDuration() {
        var machine = attaching(command: true)
        #expect(machine.handle(.attached, at: 1) == [.releaseCommand])
        #expect(machine.phase == .running && machine.command == .running && machine.traced)
        #expect(machine.tracingStartedAt == 1)
        #expect(machine.timers == [.deadline: 6])
    }

    @Test func stopBeforeBpftraceStartsStartsNothing() {
        var machine = Machine(duration: 5, usesSync: true, hasCommand: true, timings: timings)
        #expect(machine.handle(.stopRequested, at: 0) == [.cancelCommandHold])
        #expect(machine.phase == .done && machine.command == .cancelled && machine.stopReason == .requested)
        #expect(!machine.isFinished, "the cancelled command must still be waited for")
        #expect(machine.handle(.commandExited, at: 0.1) == [])
        #expect(machine.isFinished)
        #expect(machine.failure(exitCode: nil) == nil)
    }

    @Test func aFailedStartFailsBeforeTracing() {
        var machine = Machine(duration: 5, usesSync: true, hasCommand: false, timings: timings)
        #expect(machine.handle(.startFailed, at: 0) == [])
        #expect(machine.isFinished && machine.failure(exitCode: nil) == .exitedBeforeTracing)
    }

    @Test func stopWhileAttachingAbandonsBpftraceWithOneSIGKILL() {
        var machine = attaching(command: true)
        #expect(machine.handle(.stopRequested, at: 0.5) == [.cancelCommandHold, .killBpftrace])
        #expect(machine.phase == .killed && machine.abandoned)
        #expect(machine.timers.isEmpty, "no SIGINT, no sync call, no second kill is pending")
        // A second request, late output and the attach record change nothing.
        #expect(machine.handle(.stopRequested, at: 0.6) == [])
        #expect(machine.handle(.attached, at: 0.7) == [] && machine.phase == .killed)
        #expect(machine.handle(.outputEnded, at: 0.8) == [])
        _ = machine.handle(.commandExited, at: 0.9)
        #expect(machine.isFinished && !machine.traced && machine.tracingEndedAt == nil)
        #expect(machine.failure(exitCode: 137) == nil)
    }

    @Test func attachTimeoutInterruptsAndFails() {
        var machine = attaching(command: true)
        #expect(machine.handle(.timeout(.attach), at: timings.attach) == [.cancelCommandHold, .interruptBpftrace])
        #expect(machine.phase == .interrupting && machine.attachTimedOut)
        _ = machine.handle(.outputEnded, at: timings.attach + 0.1)
        #expect(machine.failure(exitCode: 0) == .attachTimedOut)
    }

    @Test func outputEndingWhileAttachingIsAFailureBeforeTracing() {
        var machine = attaching()
        #expect(machine.handle(.outputEnded, at: 0.2) == [])
        #expect(machine.isFinished && machine.stopReason == .bpftraceExited)
        #expect(machine.failure(exitCode: 1) == .exitedBeforeTracing)
    }

    @Test func deadlineFlushesTwiceThroughTheSyncProbeThenInterrupts() {
        var machine = running(command: true)
        let calls = machine.syncCalls
        // The stop begins: the run's duration ends here, the command is ended, a flush starts.
        #expect(machine.handle(.timeout(.deadline), at: 6) == [.terminateCommand, .callSync(calls + 1)])
        #expect(machine.phase == .flushing(round: 1, target: calls + 1))
        #expect(machine.tracingEndedAt == 6 && machine.stopReason == .deadline)
        #expect(machine.command == .terminating && machine.timers[.commandGrace] == 6 + timings.commandGrace)
        // An answer to an older call does not count.
        #expect(machine.handle(.synced(calls), at: 6.01) == [])
        #expect(machine.handle(.synced(calls + 1), at: 6.02) == [.callSync(calls + 2)])
        #expect(machine.phase == .flushing(round: 2, target: calls + 2))
        #expect(machine.handle(.synced(calls + 2), at: 6.03) == [.interruptBpftrace])
        #expect(machine.phase == .interrupting && machine.timers[.flush] == nil)
        #expect(machine.tracingEndedAt == 6, "the flush is not part of the run's duration")
    }

    @Test func aFlushThatNeverAnswersInterruptsAnyway() {
        var machine = running()
        _ = machine.handle(.stopRequested, at: 2)
        #expect(machine.timers[.flush] == 2 + timings.flush)
        #expect(machine.handle(.timeout(.flush), at: 2 + timings.flush) == [.interruptBpftrace])
        #expect(machine.phase == .interrupting && machine.stopReason == .requested)
    }

    @Test func withoutTheSyncProbeAStopInterruptsAtOnce() {
        var machine = running(sync: false)
        #expect(machine.handle(.stopRequested, at: 2) == [.interruptBpftrace])
        #expect(machine.phase == .interrupting)
    }

    @Test func sigintIsRepeatedUntilEndThenBpftraceIsKilledAtOnce() {
        var machine = running(sync: false)
        _ = machine.handle(.timeout(.deadline), at: 6)
        #expect(machine.timers[.interruptRepeat] == 6 + timings.interruptRepeat)
        #expect(machine.handle(.timeout(.interruptRepeat), at: 6.5) == [.interruptBpftrace])
        #expect(machine.handle(.timeout(.interruptRepeat), at: 7.0) == [.interruptBpftrace])
        // END's output is the last of the results: nothing bpftrace does after it is waited for.
        #expect(machine.handle(.endSeen, at: 7.2) == [.killBpftrace])
        #expect(machine.phase == .done && machine.killedAfterEnd && machine.isFinished)
        #expect(machine.timers.isEmpty, "no more SIGINTs once END is in, and SIGKILL is sent once")
        #expect(machine.handle(.outputEnded, at: 7.3) == [])
        #expect(machine.failure(exitCode: nil) == nil)
    }

    @Test func endOnSIGINTIsASuccess() {
        var machine = running(sync: false)
        _ = machine.handle(.stopRequested, at: 2)
        #expect(machine.handle(.endSeen, at: 2.1) == [.killBpftrace])
        #expect(machine.isFinished && machine.tracingEndedAt == 2)
        #expect(machine.failure(exitCode: nil) == nil && machine.failure(exitCode: 137) == nil)
    }

    @Test func outputEndingOnSIGINTWithoutEndIsJudgedByTheExitCode() {
        var machine = running(sync: false)
        _ = machine.handle(.stopRequested, at: 2)
        #expect(machine.handle(.outputEnded, at: 2.2) == [])
        #expect(machine.isFinished)
        #expect(machine.failure(exitCode: 0) == nil && machine.failure(exitCode: 130) == nil)
        #expect(machine.failure(exitCode: 1) == .exitedUnexpectedly)
    }

    @Test func noEndWithinTheStopGraceKillsBpftrace() {
        var machine = running(sync: false)
        _ = machine.handle(.stopRequested, at: 2)
        #expect(machine.handle(.timeout(.stopGrace), at: 2 + timings.stopGrace) == [.killBpftrace])
        #expect(machine.phase == .killed && machine.killedAfterStopGrace && machine.timers.isEmpty)
        _ = machine.handle(.outputEnded, at: 12.1)
        #expect(machine.failure(exitCode: 137) == .exitedUnexpectedly)
    }

    @Test func commandExitEndsTheRunWithoutSignallingTheCommand() {
        var machine = running(command: true)
        let actions = machine.handle(.commandExited, at: 3)
        #expect(actions == [.callSync(machine.syncCalls)])
        #expect(machine.stopReason == .commandExited && machine.command == .running && machine.commandHasExited)
    }

    @Test func theExitOfTheAttachedProcessesEndsTheRunWithAFlush() {
        var machine = running()
        let actions = machine.handle(.processesExited, at: 3)
        #expect(actions == [.callSync(machine.syncCalls)])
        #expect(machine.stopReason == .processesExited && machine.tracingEndedAt == 3)
        #expect(machine.phase == .flushing(round: 1, target: machine.syncCalls))
    }

    @Test func aCommandIgnoringSIGTERMIsKilledOnceAfterItsGrace() {
        var machine = running(sync: false, command: true)
        #expect(machine.handle(.timeout(.deadline), at: 6) == [.terminateCommand, .interruptBpftrace])
        _ = machine.handle(.endSeen, at: 6.1)
        _ = machine.handle(.outputEnded, at: 6.2)
        #expect(!machine.isFinished, "the run waits for its command")
        #expect(machine.nextTimer?.timer == .commandGrace)
        #expect(machine.handle(.timeout(.commandGrace), at: 7) == [.killCommand])
        #expect(machine.command == .killed && machine.timers.isEmpty)
        #expect(machine.handle(.timeout(.commandGrace), at: 8) == [], "SIGKILL goes once")
        _ = machine.handle(.commandExited, at: 7.01)
        #expect(machine.isFinished)
    }

    @Test func bpftraceEndingByItselfEndsTheCommandAndFails() {
        var machine = running(command: true)
        #expect(machine.handle(.outputEnded, at: 3) == [.terminateCommand])
        #expect(machine.stopReason == .bpftraceExited && machine.tracingEndedAt == 3)
        #expect(machine.failure(exitCode: 0) == .exitedUnexpectedly)
    }

    @Test func endWithoutAStopIsBpftraceEndingByItself() {
        var machine = running()
        #expect(machine.handle(.endSeen, at: 3) == [])
        #expect(machine.phase == .detaching && machine.stopReason == .bpftraceExited && machine.tracingEndedAt == 3)
        _ = machine.handle(.timeout(.detachGrace), at: 5)
        #expect(machine.failure(exitCode: nil) == .exitedUnexpectedly)
    }

    @Test func aHeldCommandThatDiesWhileAttachingAbandonsTheRun() {
        var machine = attaching(command: true)
        #expect(machine.handle(.commandExited, at: 0.3) == [.cancelCommandHold, .killBpftrace])
        #expect(machine.stopReason == .commandExited && machine.phase == .killed)
        _ = machine.handle(.outputEnded, at: 0.4)
        #expect(machine.isFinished && machine.failure(exitCode: 137) == nil)
    }

    @Test func theTransitionIsPure() {
        let machine = running()
        let (next, actions) = machine.next(on: .stopRequested, at: 2)
        #expect(machine.phase == .running, "the old state is untouched")
        #expect(next.phase == .flushing(round: 1, target: machine.syncCalls + 1))
        #expect(actions == [.callSync(machine.syncCalls + 1)])
        #expect(machine.next(on: .stopRequested, at: 2).0 == next, "the same state and event give the same result")
    }
}
