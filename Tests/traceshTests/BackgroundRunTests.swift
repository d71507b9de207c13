import Foundation
import Testing

/// Background runs in a batch: never left behind unseen.
@Suite struct BackgroundRunTests {
    @Test(.live) func waitWithoutAnIdWaitsForEveryRunAndReportsEach() throws {
        let result = try Tracesh.run(["-e", "probe o = sys_openat", "-e", "run 1500ms &", "-e", "run 300ms &", "-e", "wait"])
        #expect(result.status == 0, "\(result.stderr)")
        for id in [1, 2] {
            #expect(result.stdout.components(separatedBy: "run \(id) completed (duration reached): ").count == 2, "\(result.stdout)")
        }
    }

    @Test(.live) func aScriptEndingInABackgroundRunWaitsForItAndPrintsItsSummary() throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("background.trc")
        try "probe o = sys_openat\nrun 500ms &\n".write(toFile: script, atomically: true, encoding: .utf8)
        let started = Date()
        let result = try Tracesh.run([script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("run 1 started in the background"))
        #expect(result.stdout.contains("run 1 completed (duration reached): "), "\(result.stdout)")
        #expect(Date().timeIntervalSince(started) >= 0.5)
    }

    @Test(.live) func stopPrintsTheStoppedRunsResults() throws {
        let result = try Tracesh.run(["-e", "probe o = sys_openat", "-e", "agg o: count", "-e", "run 5m &", "-e", "stop 1"])
        #expect(result.status == 0, "\(result.stderr)")
        // Stopped at once, so most likely before its probes were attached: it says which.
        #expect(result.stdout.contains("run 1 stopped (stopped on request"), "\(result.stdout)")
    }
}
