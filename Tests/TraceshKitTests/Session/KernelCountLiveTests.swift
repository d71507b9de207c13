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
}
