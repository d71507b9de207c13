import Foundation
import Testing

/// SIGINT, SIGTERM and SIGHUP at any moment of a run: no crash, what was collected is kept and
/// shown, and when tracesh has exited no bpftrace and no temporary file of it is left.
@Suite(.serialized) struct SignalTests {
    /// Children of tracesh seen while it ran, and whether any is still alive once it exited.
    static func survivors(_ children: [ProcessTable.Entry]) -> [ProcessTable.Entry] {
        children.filter { child in ProcessTable.entry(child.pid).map { $0.state != "Z" && $0.parent != 0 } ?? false }
    }

    static func temporaryFiles(in directory: TemporaryDirectory) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.url.path)) ?? []
    }

    /// A tracesh running `run 30s` on sys_openat, sent `signal` `milliseconds` after it can catch
    /// signals; returns it (finished), its exit status and life time, and the children it had.
    func signalled(_ signal: Int32, after milliseconds: Int, temporary: TemporaryDirectory) throws
        -> (tracesh: RunningTracesh, status: Int32, seconds: Double, children: [ProcessTable.Entry]) {
        let tracesh = try RunningTracesh(["-e", "probe o = sys_openat", "-e", "run 30s"], environment: ["TMPDIR": temporary.url.path])
        #expect(tracesh.waitUntilItCatchesSIGINT())
        usleep(useconds_t(milliseconds * 1000))
        let children = ProcessTable.children(of: tracesh.pid)
        kill(tracesh.pid, signal)
        let (status, seconds) = tracesh.finish()
        return (tracesh, status, seconds, children)
    }

    @Test(.live, arguments: [5, 10, 20, 30, 50, 100, 300, 1000])
    func sigintDuringABatchRunStopsItAndPrintsItsSummary(milliseconds: Int) throws {
        let temporary = try TemporaryDirectory()
        let (tracesh, status, seconds, children) = try signalled(SIGINT, after: milliseconds, temporary: temporary)
        #expect(status == 130, "stdout: \(tracesh.stdout)\nstderr: \(tracesh.stderr)")
        #expect(!tracesh.stderr.contains("Fatal error"))
        // Either the run had begun (its summary) or the batch had not reached it yet (a note).
        let summary = tracesh.stdout.contains("run 1 stopped (stopped on request")
        // (Under load the signal may even come before the first command.)
        let notReached = tracesh.stderr.range(of: #"-e\[[12]\]:1:1: note: interrupted; this command and those after it were not run"#,
                                              options: .regularExpression) != nil
        #expect(summary != notReached, "stdout: \(tracesh.stdout)\nstderr: \(tracesh.stderr)")
        #expect(seconds < 15, "the run was not stopped")
        #expect(Self.survivors(children).isEmpty, "\(Self.survivors(children)) outlived tracesh")
        #expect(Self.temporaryFiles(in: temporary).isEmpty, "\(Self.temporaryFiles(in: temporary))")
    }

    @Test(.live) func sigintWhileTheCommandRunsKeepsItsEvents() throws {
        let temporary = try TemporaryDirectory()
        let target = temporary.path("opened")
        FileManager.default.createFile(atPath: target, contents: Data())
        // The command opens the file three times, says so, then waits to be ended.
        let tracesh = try RunningTracesh(["-e", #"probe o = sys_openat "%s", arg2@user"#, "-e", "filter o: arg2@user == \"\(target)\"",
                                          "-e", "run 5m -- /bin/sh -c 'cat \(target) \(target) \(target); echo traced >&2; exec sleep 300'"],
                                         environment: ["TMPDIR": temporary.url.path])
        let end = Date().addingTimeInterval(60)
        while !tracesh.stderr.contains("traced") && Date() < end && tracesh.process.isRunning { usleep(5_000) }
        let children = ProcessTable.children(of: tracesh.pid)
        kill(tracesh.pid, SIGINT)
        let (status, seconds) = tracesh.finish()
        #expect(status == 130)
        #expect(tracesh.stdout.contains("run 1 stopped (stopped on request): 3 events"), "\(tracesh.stdout)")
        #expect(tracesh.stdout.contains("command still running at the end of the run, stopped with SIGTERM"))
        #expect(seconds < 60)
        #expect(Self.survivors(children).isEmpty, "\(Self.survivors(children)) outlived tracesh")
        #expect(Self.temporaryFiles(in: temporary) == ["opened"])
    }

    @Test(.live) func sigintJustAfterARunEndedKeepsItsSummaryAndSkipsTheRest() throws {
        let temporary = try TemporaryDirectory()
        let tracesh = try RunningTracesh(["-e", "probe o = sys_openat", "-e", "run 200ms", "-e", "run 30s", "-e", "run 30s"],
                                         environment: ["TMPDIR": temporary.url.path])
        #expect(tracesh.waitForOutput("run 1 completed (duration reached): "))
        let children = ProcessTable.children(of: tracesh.pid)
        kill(tracesh.pid, SIGINT)
        let (status, seconds) = tracesh.finish()
        #expect(status == 130)
        #expect(seconds < 20)
        // Run 2 was starting or not reached; run 3 never starts.
        #expect(!tracesh.stdout.contains("run 3 "), "\(tracesh.stdout)")
        #expect(tracesh.stdout.contains("run 2 stopped") || tracesh.stderr.contains("-e[3]:1:1: note: interrupted"), "\(tracesh.stdout)\n\(tracesh.stderr)")
        #expect(Self.survivors(children).isEmpty)
        #expect(Self.temporaryFiles(in: temporary).isEmpty)
    }

    @Test(.live, arguments: [SIGTERM, SIGHUP], [50, 300, 1500])
    func terminationWaitsForBpftraceAndRemovesTemporaryFiles(signal: Int32, milliseconds: Int) throws {
        let temporary = try TemporaryDirectory()
        let (_, status, _, children) = try signalled(signal, after: milliseconds, temporary: temporary)
        // It dies of the signal, as a program should, but only after its bpftrace is gone.
        #expect(status == 128 + signal)
        #expect(Self.survivors(children).isEmpty, "\(Self.survivors(children)) outlived tracesh")
        #expect(Self.temporaryFiles(in: temporary).isEmpty, "\(Self.temporaryFiles(in: temporary))")
    }

    @Test(.live) func aCommandThatIgnoresSIGTERMIsKilledAtTheEndOfTheRun() throws {
        let started = Date()
        // sh and its child sleep both ignore SIGTERM, and sleep holds tracesh's output pipes:
        // the run's end takes the command's whole tree, or this would wait for sleep's 30 s.
        let result = try Tracesh.run(["-e", "probe o = sys_openat", "-e", #"run 1s -- /bin/sh -c 'trap "" TERM; sleep 30; echo done'"#])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("run 1 completed (duration reached): "))
        #expect(result.stdout.contains("command ignored SIGTERM at the end of the run and was killed with SIGKILL"), "\(result.stdout)")
        // The duration, the grace, and bpftrace's own stop; not the command's 30 s.
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
