import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshRuntime

/// The real runner (processes, pipes, signals, timers) driving a fake bpftrace that misbehaves
/// on purpose. Needs neither root nor bpftrace.
@Suite struct FakeBpftraceRunTests {
    /// Short enough to keep the suite quick, long enough for a loaded machine.
    static let timings = RunSupervisor.Timings(attach: 10, syncRetry: 0.01, flush: 2, interruptRepeat: 0.1,
                                               stopGrace: 1.5, detachGrace: 0.3, commandGrace: 0.3)

    struct Result {
        var outcome: BpftraceRunner.Outcome
        var pipeline: Pipeline
        var damagedRecords: Int
    }

    /// Runs `fake` through the runner; `onText` sees each of bpftrace's own lines as it comes.
    func run(_ fake: FakeBpftrace, duration: Double = 60, command: ChildProcess? = nil,
             timings: RunSupervisor.Timings = Self.timings, runner: BpftraceRunner? = nil,
             onText: @escaping (String, BpftraceRunner) -> Void = { _, _ in }) throws -> Result {
        let runner = try runner ?? BpftraceRunner()
        let program = FakeBpftrace.program()
        var scanner = EventScanner(framing: program.framing)
        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 100)
        func consume(_ record: ScannedRecord) {
            if case .text(let bytes) = record { onText(String(decoding: bytes, as: UTF8.self), runner) }
            pipeline.consume(record)
        }
        let outcome = runner.run(program: program, bpftrace: fake.path, duration: TraceDuration(milliseconds: Int64(duration * 1000)),
                                 command: command, callSync: fake.callSync, timings: timings,
                                 temporaryDirectory: fake.folder.path,
                                 onOutput: { scanner.feed($0, emit: consume) },
                                 isAttached: { pipeline.attached }, synced: { pipeline.synced }, isEnded: { pipeline.ended },
                                 foreignLine: { pipeline.foreignLine })
        for record in scanner.finish() { consume(record) }
        return Result(outcome: outcome, pipeline: pipeline, damagedRecords: scanner.damagedRecords)
    }

    /// A held command, as `run -- COMMAND` starts it.
    func heldCommand(_ script: String) throws -> ChildProcess {
        try ChildProcess(path: "/bin/sh", arguments: ["-c", script], environment: ProcessInfo.processInfo.environment,
                         captureOutput: false, standardOutput: nil, hold: true, deathSignal: SIGTERM, newProcessGroup: false)
    }

    /// Nothing but the fake's own files is left in its folder (the program directory is gone).
    func leftovers(_ fake: FakeBpftrace) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fake.folder.path)) ?? []).filter { !["bpftrace", "sync", "log"].contains($0) }.sorted()
    }

    @Test func theCommandsExitFlushesTwiceThenInterruptsOnce() throws {
        let fake = try FakeBpftrace("events=5")
        let command = try heldCommand("exit 3")
        let result = try run(fake, command: command)
        #expect(result.outcome.failure == nil)
        #expect(result.outcome.stopReason == .commandExited)
        #expect(result.outcome.commandEnding == .exited(3))
        // Killed once END's record was in (its results were complete), and not waited for.
        #expect(result.outcome.traced && result.outcome.endedAt != nil && result.outcome.exitCode == nil)
        #expect(result.pipeline.statistics.totalEvents == 5)
        let log = fake.log
        // One answer for the attach, two for the flush, then one SIGINT and END.
        #expect(log.filter { $0.hasPrefix("sync") }.count >= 3, "\(log)")
        #expect(Array(log.suffix(2)) == ["sigint", "end"], "\(log)")
        #expect(log.filter { $0 == "sigint" }.count == 1, "\(log)")
        #expect(leftovers(fake).isEmpty)
    }

    @Test func theDeadlineEndsTheRun() throws {
        let fake = try FakeBpftrace("events=2")
        let started = monotonicSeconds()
        let result = try run(fake, duration: 0.2)
        #expect(result.outcome.failure == nil && result.outcome.stopReason == .deadline)
        let endedAt = try #require(result.outcome.endedAt)
        #expect(endedAt - started >= 0.2)
        #expect(result.pipeline.statistics.totalEvents == 2)
    }

    @Test func aStopWhileAttachingKillsBpftraceOnceAndNeverRunsTheCommand() throws {
        let fake = try FakeBpftrace("never-attach")
        let marker = fake.folder.path + "/ran"
        let command = try heldCommand("touch '\(marker)'")
        let result = try run(fake, command: command) { line, runner in
            if line.hasPrefix("Attaching") { runner.requestStop() }
        }
        #expect(result.outcome.failure == nil)
        #expect(result.outcome.stopReason == .requested && !result.outcome.traced && result.outcome.endedAt == nil)
        #expect(result.outcome.exitCode == 128 + SIGKILL)
        #expect(result.outcome.commandEnding == .neverStarted)
        #expect(!FileManager.default.fileExists(atPath: marker), "the held command ran")
        #expect(!fake.log.contains("sigint"), "an abandoned run is killed, not interrupted")
        #expect(leftovers(fake).isEmpty)
    }

    @Test func aStopBeforeTheRunStartsStartsNoBpftrace() throws {
        let fake = try FakeBpftrace("events=1")
        let runner = try BpftraceRunner()
        runner.requestStop()
        let command = try heldCommand("exit 0")
        let result = try run(fake, command: command, runner: runner)
        #expect(result.outcome.failure == nil && result.outcome.stopReason == .requested)
        #expect(result.outcome.exitCode == nil && result.outcome.commandEnding == .neverStarted)
        #expect(!FileManager.default.fileExists(atPath: fake.logPath), "bpftrace was started")
    }

    @Test func slowAttachTimesOut() throws {
        let fake = try FakeBpftrace("never-attach")
        var timings = Self.timings
        timings.attach = 1
        let result = try run(fake, timings: timings)
        #expect(result.outcome.failure == "bpftrace did not attach its probes within 1 s")
        #expect(!result.outcome.traced)
        #expect(fake.log.contains("sigint"))
    }

    /// A stand-in that prints what bpftrace never prints before attaching, then hangs deaf to
    /// SIGINT, fails the run at once (the attach timeout here is 10 minutes), naming the program
    /// and quoting its line; the held command never runs (issue 20, item 9).
    @Test func aStandInThatPrintsForeignTextAndHangsFailsAtOnce() throws {
        let fake = try FakeBpftrace("foreign")
        var timings = Self.timings
        timings.attach = 600
        let command = try heldCommand("exit 0")
        let started = Date()
        let result = try run(fake, command: command, timings: timings)
        #expect(result.outcome.failure == "\(fake.path) printed \"usage: not-bpftrace [options]\" before attaching its probes, which bpftrace never does: is it bpftrace?",
                "\(result.outcome.failure ?? "")")
        #expect(Date().timeIntervalSince(started) < timings.attach / 2, "the run waited for the attach timeout")
        #expect(!result.outcome.traced && result.outcome.commandEnding == .neverStarted)
        #expect(fake.log == ["foreign"], "\(fake.log)")
        #expect(leftovers(fake).isEmpty)
    }

    @Test func anEarlyExitExplainsItselfWithBpftracesError() throws {
        let fake = try FakeBpftrace("stderr-exit")
        let command = try heldCommand("exit 0")
        let result = try run(fake, command: command)
        #expect(result.outcome.failure == "bpftrace failed before tracing started: fake failure: probe not found")
        #expect(!result.outcome.traced && result.outcome.exitCode == 1)
        #expect(result.outcome.commandEnding == .neverStarted)
        #expect(leftovers(fake).isEmpty)
    }

    @Test func aMissingBpftraceFailsTheRunAndEndsTheHeldCommand() throws {
        let fake = try FakeBpftrace("")
        try FileManager.default.removeItem(atPath: fake.path)
        let command = try heldCommand("exit 0")
        let result = try run(fake, command: command)
        #expect(result.outcome.failure?.hasPrefix("cannot start \(fake.path)") == true, "\(result.outcome.failure ?? "")")
        #expect(result.outcome.commandEnding == .neverStarted && command.hasExited)
        #expect(leftovers(fake).isEmpty, "the program file's directory was left behind")
    }

    @Test func sigintIsRepeatedUntilBpftraceAnswers() throws {
        let fake = try FakeBpftrace("ignore-sigint=2")
        let result = try run(fake, duration: 0.1)
        #expect(result.outcome.failure == nil, "\(result.outcome.failure ?? "")")
        #expect(fake.log.filter { $0 == "sigint" }.count == 3, "\(fake.log)")
        #expect(fake.log.last == "end")
    }

    @Test func noEndWithinTheStopGraceKillsBpftrace() throws {
        let fake = try FakeBpftrace("ignore-sigint=all")
        let result = try run(fake, duration: 0.1)
        #expect(result.outcome.failure?.hasPrefix("bpftrace ended unexpectedly") == true, "\(result.outcome.failure ?? "")")
        #expect(result.outcome.exitCode == 128 + SIGKILL)
        // 0.1 s apart for 1.5 s: far more than one, far fewer than one per poll.
        let interrupts = fake.log.filter { $0 == "sigint" }.count
        #expect(interrupts >= 3 && interrupts <= 20, "\(interrupts)")
    }

    @Test func aBpftraceStuckDetachingIsKilledAfterTheGraceAndTheRunSucceeds() throws {
        let fake = try FakeBpftrace("hang-after-end")
        let runner = try BpftraceRunner()
        let result = try run(fake, duration: 0.1, runner: runner)
        #expect(result.outcome.failure == nil)
        #expect(result.outcome.exitCode == nil, "a detaching bpftrace is not waited for")
        #expect(runner.waitForBpftraceExit(timeout: 10), "bpftrace outlived its SIGKILL")
        #expect(fake.log.filter { $0 == "sigint" }.count == 1, "\(fake.log)")
    }

    @Test func garbageIsCountedAndShownNotFatal() throws {
        let fake = try FakeBpftrace("events=4,garbage")
        let result = try run(fake, duration: 0.1)
        #expect(result.outcome.failure == nil)
        #expect(result.pipeline.statistics.totalEvents == 4)
        #expect(result.pipeline.messages.contains("a line of bpftrace's own"))
        #expect(result.pipeline.messages.contains("Attaching 1 probe..."))
        #expect(result.pipeline.malformedRecords == 1)
        #expect(result.damagedRecords == 2, "the record cut short and the unknown kind")
    }

    @Test func aCommandIgnoringSIGTERMIsKilledWithItsDescendants() throws {
        let fake = try FakeBpftrace("")
        let ready = fake.folder.path + "/ready"
        #expect(mkfifo(ready, 0o600) == 0)
        let command = try heldCommand("trap '' TERM; sleep 300 & echo $! > '\(ready)'; wait")
        let runner = try BpftraceRunner()
        let finished = DispatchSemaphore(value: 0)
        let box = ResultBox()
        Thread {
            box.result = try? self.run(fake, command: command, runner: runner)
            finished.signal()
        }.start()
        // Blocks until the command (released once attached) has started its child.
        let child = try #require(pid_t(FakeBpftrace.readFIFO(ready).trimmingCharacters(in: .whitespacesAndNewlines)))
        runner.requestStop()
        finished.wait()
        let outcome = try #require(box.result?.outcome)
        #expect(outcome.failure == nil && outcome.stopReason == .requested)
        #expect(outcome.commandEnding == .killed)
        // The child was SIGKILLed with the command; it is reparented, so poll /proc for it.
        #expect(Self.waitUntilGone(child), "the command's child \(child) outlived the run")
    }

    final class ResultBox: @unchecked Sendable { var result: Result? }

    static func waitUntilGone(_ pid: pid_t, timeout: Double = 10) -> Bool {
        let end = monotonicSeconds() + timeout
        while monotonicSeconds() < end {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            usleep(10_000)
        }
        return false
    }
}
