import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshFiles
@testable import TraceshKernel
@testable import TraceshLanguage
@testable import TraceshSuggest
@testable import TraceshSemantics
@testable import TraceshPlan
@testable import TraceshRuntime
@testable import TraceshAnalysis
@testable import TraceshOutput
@testable import TraceshExport
@testable import TraceshAgent

/// Real bpftrace against processes the tests start themselves, so the counts are exact.
@Suite(.serialized) struct LiveRunTests {
    /// Runs a script in a fresh session; the session is returned for inspection.
    func session(_ script: String) -> (Interpreter, CollectingOutput, Interpreter.Outcome) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: script, origin: "live.trc")
        return (interpreter, output, outcome)
    }

    @Test(.live) func thirtySevenOpensAreCountedExactly() throws {
        let directory = try TemporaryFolder()
        let target = directory.path + "/target-file"
        _ = FileManager.default.createFile(atPath: target, contents: Data("x".utf8))
        let recording = directory.path + "/run.trcrec"
        let (interpreter, output, outcome) = session("""
            probe o = sys_openat "open %s", arg2@user
            filter o: arg2@user == "\(target)"
            agg o: count by comm
            record \(recording)
            run 60s -- \(TracedHelper.path) open \(target) 37
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let pipeline = run.pipeline
        #expect(run.status.state == .completed)
        #expect(pipeline.statistics.totalEvents == 37)
        #expect(pipeline.store.events.allSatisfy { $0.message == Array("open \(target)".utf8) && $0.comm == Array("traced_helper".utf8) })
        let counts = try #require(pipeline.aggregations.first)
        #expect(counts.rows == [AggregationResult.Row(keys: [.bytes(Array("traced_helper".utf8))], value: .scalar(37))])
        #expect(run.commandExitCode == 0)

        // Replaying the recording gives the same events, statistics and aggregations.
        let replayed = try interpreter.runs.replay(recording, maxEvents: 100_000)
        #expect(replayed.pipeline.store.events == pipeline.store.events)
        #expect(replayed.pipeline.statistics == pipeline.statistics)
        #expect(replayed.pipeline.aggregations == pipeline.aggregations)
    }

    @Test(.live) func awkwardBytesInAPathArriveExactly() throws {
        let directory = try TemporaryFolder()
        let (interpreter, output, outcome) = session("""
            probe o = sys_openat "%s", arg2@user
            filter o: comm == "traced_helper"
            run 60s -- \(TracedHelper.path) weird \(directory.path)
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let expected = Array((directory.path + "/").utf8) + TracedHelper.weirdName
        let events = run.pipeline.store.events.filter { $0.message == expected }
        #expect(events.count == 1, "\(run.pipeline.store.events.map { ByteText.decode($0.message) })")
        guard let event = events.first else { return }
        #expect(event.value(named: "arg2") == .bytes(expected))

        // JSON: valid UTF-8 as itself, the 0xff byte as the documented \udcff escape.
        let json = JSONWriter.serialize(RunReport.eventObject(event, program: run.program))
        #expect(json.contains(#"q\"n\nt\t%s|,\\\udcffend"#), "\(json)")
        // CSV: one field, quoted, the newline kept; the invalid byte escaped as \xff.
        let csv = CSVRenderer().render(.table(RunReport.eventsTable([event], program: run.program, format: .csv)))
        #expect(csv.contains(",\"\(directory.path)/q\"\"n\nt\t%s|,\\\\\\xffend\","), "\(csv)")
    }

    @Test(.live) func everyCallOfAUserFunctionIsTracedWithItsArgument() throws {
        let (interpreter, output, outcome) = session("""
            probe w = u:\(TracedHelper.path):traced_work "work %d", arg1
            run 60s -- \(TracedHelper.path) call 25
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        #expect(run.commandExitCode == 0)
        #expect(run.pipeline.store.events.map { ByteText.decode($0.message) } == (0..<25).map { "work \($0)" })
    }

    /// tracesh's and bpftrace's own frees would feed back into `u:c:free` without end.
    @Test(.live) func userProbesLeaveOutTraceshAndBpftrace() throws {
        let (interpreter, output, outcome) = session("""
            probe f = u:c:free
            run 500ms
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let events = try #require(interpreter.runs.latestFinished).pipeline.store.events
        #expect(!events.contains { $0.pid == Int64(getpid()) || $0.comm == Array("bpftrace".utf8) })
    }

    @Test(.live) func everyGeneratedProgramLoadsInBpftrace() throws {
        for golden in GoldenPrograms.cases {
            let graph = try GoldenPrograms.graph(golden, catalog: .live)
            let output = CollectingOutput()
            let interpreter = Interpreter(output: output)
            for command in ScriptWriter.script(for: graph, header: false).split(separator: "\n") {
                interpreter.run(source: String(command), origin: golden.name)
            }
            #expect(interpreter.run(source: "run 300ms", origin: golden.name) == .success, "\(golden.name): \(output.diagnostics)")
            #expect(interpreter.runs.latestFinished?.status.state == .completed, "\(golden.name)")
        }
    }

    @Test(.live) func aFailingBpftraceEndsTheRunAsFailedWithItsReason() throws {
        let (interpreter, output, outcome) = session("""
            probe sys_read
            set stream off
            agg count by comm
            run 5s -- /bin/sh -c 'kill -9 $(pgrep -x bpftrace -P $PPID)'
            """)
        #expect(outcome == .failure)
        #expect(interpreter.runs.latestFinished?.status.state == .failed)
        #expect(output.diagnostics.contains { $0.contains("bpftrace ended unexpectedly: it was killed by signal 9") }, "\(output.diagnostics)")
    }

    @Test(.live) func backgroundRunsCanBeListedStoppedAndWaitedFor() throws {
        let (interpreter, output, outcome) = session("""
            probe sys_read
            run 60s &
            run 60s &
            runs
            stop 1
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        #expect(interpreter.runs.run(id: 1)?.status.state == .stopped)
        #expect(interpreter.runs.run(id: 2)?.status.state.isFinished == false)
        interpreter.runs.run(id: 2)?.stop()
        #expect(interpreter.run(source: "wait 2", origin: nil) == .success)
        #expect(interpreter.runs.run(id: 2)?.status.state == .stopped)
    }
}
