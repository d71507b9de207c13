import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshPlan
@testable import TraceshAnalysis

/// A probe counted in the kernel only (`stream auto`) still gives exact `stats` and `top`.
@Suite(.serialized) struct KernelCountLiveTests {
    @Test(.live) func countedProbeGivesExactStatisticsAndTop() throws {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: """
            probe rd = sys_read
            filter rd: comm == "traced_helper"
            agg rd: count
            agg rd: count by tid
            run 60s -- \(TracedHelper.path) read 5000
            top
            """, origin: "live.trc")
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        #expect(run.program.countedProbes.map(\.name) == ["rd"])
        let pipeline = run.pipeline
        // Nothing streamed, everything counted: the aggregation and the statistics agree (the
        // helper's 5000 reads, plus the dynamic loader's).
        #expect(pipeline.store.events.isEmpty)
        let count = try #require(pipeline.aggregations.first?.rows.first?.value)
        #expect(count == .scalar(pipeline.statistics.totalEvents))
        // The plain count is summed from the event counts (one map update per event); a count by
        // tid has a map of its own, and the two agree.
        #expect(run.program.maps.map { $0.fromEventCounts != nil } == [true, false])
        #expect(!run.program.source.contains("@agg1 ="), "\(run.program.source)")
        let perThread = pipeline.aggregations[1].rows.reduce(Int64(0)) { sum, row in
            guard case .scalar(let value) = row.value else { return sum }
            return sum + value
        }
        #expect(perThread == pipeline.statistics.totalEvents)
        #expect(pipeline.statistics.totalEvents >= 5000 && pipeline.statistics.totalEvents <= 5010, "\(pipeline.statistics)")
        #expect(pipeline.statistics.eventsPerProbe == [pipeline.statistics.totalEvents])
        let top = pipeline.statistics.topProcesses(1)
        #expect(top.first?.key.comm == Array("traced_helper".utf8))
        #expect(top.first?.count == pipeline.statistics.totalEvents)
        #expect(output.text.contains("traced_helper"), "\(output.text)")
        // Said once, as a note.
        #expect(output.diagnostics.filter { $0.contains("counted in the kernel only") }.count == 1, "\(output.diagnostics)")
    }

    /// The held command's execve (made before its exec, by the child tracesh started) is under
    /// the command's name whichever way it is counted: in the kernel without keys (`count by
    /// comm`, summed from the event counts), by a map of its own (`count by function, comm`), or
    /// streamed. On 27ef842 the second put it under `tracesh` (issue 20, item 4).
    @Test(.live, arguments: ["auto", "on"]) func theCommandsExecIsCountedUnderItsNameOnEveryPath(stream: String) throws {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: """
            set stream \(stream)
            probe sc = sys_*
            agg sc: count by comm
            agg sc: count by function, comm
            run 60s -- \(TracedHelper.path) read 50
            """, origin: "live.trc")
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        #expect(run.program.countedProbes.map(\.name) == (stream == "on" ? [] : ["sc"]))
        let helper = TraceValue.bytes(Array("traced_helper".utf8))
        let byComm = try #require(run.pipeline.aggregations.first?.rows)
        #expect(byComm.map(\.keys) == [[helper]], "\(byComm)")
        let byFunction = run.pipeline.aggregations[1].rows
        #expect(byFunction.allSatisfy { $0.keys.last == helper }, "\(byFunction.filter { $0.keys.last != helper })")
        #expect(byFunction.contains { $0.keys.first?.description == "execve" && $0.keys.last == helper }, "\(byFunction.map(\.keys))")
        func total(_ rows: [AggregationResult.Row]) -> Int64 {
            rows.reduce(0) { sum, row in if case .scalar(let value) = row.value { return sum + value } else { return sum } }
        }
        #expect(total(byComm) == total(byFunction))
        #expect(total(byComm) == run.pipeline.statistics.totalEvents)
    }
}
