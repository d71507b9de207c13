import Foundation
import Testing
@testable import TraceshKit

/// Recording a real run: who can read the file while the run goes on, and what replay reports.
@Suite(.serialized) struct LiveRecordingTests {
    static func info(_ path: String) -> stat? {
        var result = stat()
        return stat(path, &result) == 0 ? result : nil
    }

    /// The header holds the framing's secret boundary: while the run is live, the only file that
    /// has it is root's alone, and an existing file at the path still has its old content.
    @Test(.live) func theBoundaryIsRootsAloneWhileTheRunGoesOn() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/run.trcrec"
        try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
        try #require(chown(path, 65534, 65534) == 0 && chmod(path, 0o644) == 0)
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: """
            probe o = sys_openat
            filter o: comm == "tl-nothing"
            record \(path)
            run 60s &
            """, origin: "live.trc") == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestActive)
        // The recording was created when the run started (before `run ... &` returned).
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        let others = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0 != "run.trcrec" }
        #expect(others.count == 1)
        for name in others {
            let info = try #require(Self.info(folder.path + "/" + name))
            #expect(info.st_mode & 0o777 == 0o600 && info.st_uid == 0, "\(name)")
        }
        // Stopped once tracing has begun (a stop while attaching ends the run before it traced).
        let attachDeadline = Date().addingTimeInterval(60)
        while run.status.state == .starting && Date() < attachDeadline { usleep(10_000) }
        run.stop()
        run.wait()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["run.trcrec"])
        let final = try #require(Self.info(path))
        #expect(final.st_uid == 65534 && final.st_mode & 0o777 == 0o644, "the old owner and mode, once the run is over")

        // The replay reports the live run's duration, not the span of its (zero) events.
        var warnings: [String] = []
        let replayed = try interpreter.runs.replay(path, maxEvents: 1000) { warnings.append($0) }
        #expect(warnings == [])
        #expect(abs(replayed.status.elapsed - run.status.elapsed) < 1e-6, "\(replayed.status.elapsed) vs \(run.status.elapsed)")
        #expect(run.status.elapsed > 0)
    }

    @Test(.live) func aNewRecordingIsCreatedForRootOnly() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/new.trcrec"
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: """
            probe o = sys_openat "open %s", arg2@user
            filter o: comm == "traced_helper"
            record \(path)
            run 60s -- \(TracedHelper.path) open \(folder.path)/f 12
            """, origin: "live.trc") == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        #expect(Self.info(path).map { $0.st_mode & 0o777 } == 0o600)
        let replayed = try interpreter.runs.replay(path, maxEvents: 1000)
        #expect(replayed.pipeline.statistics == run.pipeline.statistics)
        #expect(abs(replayed.status.eventsPerSecond - run.status.eventsPerSecond) < 1e-3,
                "replay \(replayed.status.eventsPerSecond)/s, live \(run.status.eventsPerSecond)/s")
    }
}
