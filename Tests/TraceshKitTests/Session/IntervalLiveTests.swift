import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshAnalysis

/// `run 4s every 1s` prints each interval while the run goes on, from in-kernel maps.
@Suite(.serialized) struct IntervalLiveTests {
    /// A command reading steadily for longer than the run (it is ended at the deadline).
    static let reader = #"/bin/sh -c 'while :; do read x < /etc/hostname; sleep 0.02; done'"#

    func session(_ script: String) -> (CollectingOutput, Interpreter.Outcome) {
        let output = CollectingOutput()
        let outcome = Interpreter(output: output).run(source: script, origin: "live.trc")
        return (output, outcome)
    }

    @Test(.live) func everySecondGivesAtLeastThreeIntervalsInATable() {
        let (output, outcome) = session("""
            probe rd = sys_read
            agg rd: count by comm
            run 4s every 1s -- \(Self.reader)
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let summaries = output.lines.filter { $0.hasPrefix("run 1 interval ") }
        #expect(summaries.count >= 3, "\(output.lines)")
        #expect(summaries.prefix(3).enumerated().allSatisfy { $0.element.hasPrefix("run 1 interval \($0.offset + 1) (to ") }, "\(summaries)")
        // Each interval's aggregation comes before the run's summary.
        let summaryLine = output.lines.firstIndex { $0.hasPrefix("run 1 completed") || $0.hasPrefix("run 1 stopped") }
        let lastInterval = output.lines.lastIndex { $0.hasPrefix("run 1 interval ") }
        #expect(lastInterval != nil && summaryLine != nil && lastInterval! < summaryLine!, "\(output.lines)")
    }

    func intervalObjects(keep: Bool) throws -> [[String: Any]] {
        let (output, outcome) = session("""
            set format json
            probe rd = sys_read
            agg rd: count
            run 4s every 1s\(keep ? " keep" : "") -- \(Self.reader)
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        return try output.lines.compactMap { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["interval"] != nil ? object : nil
        }
    }

    static func count(_ object: [String: Any]) -> Int64? {
        let aggregations = object["aggregations"] as? [[String: Any]]
        let rows = aggregations?.first?["rows"] as? [[String: Any]]
        return (rows?.first?["value"] as? NSNumber)?.int64Value
    }

    @Test(.live) func everySecondGivesAtLeastThreeIntervalsInJSON() throws {
        let objects = try intervalObjects(keep: false)
        #expect(objects.count >= 3, "\(objects)")
        #expect(objects.map { ($0["interval"] as? NSNumber)?.int64Value } == (1...Int64(objects.count)).map { $0 })
        let ends = objects.compactMap { ($0["end_time"] as? NSNumber)?.int64Value }
        #expect(ends.count == objects.count && zip(ends, ends.dropFirst()).allSatisfy { $0 < $1 }, "\(ends)")
        // Each full interval's events are counted in the kernel and reported.
        let totals = objects.compactMap { ($0["statistics"] as? [String: Any])?["total_events"] as? NSNumber }.map(\.int64Value)
        #expect(totals.count == objects.count && totals.prefix(3).allSatisfy { $0 > 0 }, "\(totals)")
    }

    @Test(.live) func keepAccumulatesSoCountsGrowMonotonically() throws {
        let objects = try intervalObjects(keep: true)
        #expect(objects.count >= 3, "\(objects)")
        let counts = objects.compactMap(Self.count)
        #expect(counts.count == objects.count, "\(objects)")
        // The reader reads throughout the run: its counts grow from interval to interval. An
        // interval that fires while a loaded machine detaches the probes at the end (seen: 7
        // intervals in a 4 s run at load 12) finds the reader gone: the count stays, never drops.
        #expect(zip(counts.prefix(3), counts.prefix(3).dropFirst()).allSatisfy { $0 < $1 }, "\(counts)")
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 <= $1 }, "\(counts)")
        let totals = objects.compactMap { ($0["statistics"] as? [String: Any])?["total_events"] as? NSNumber }.map(\.int64Value)
        // The event counts are printed just after the aggregation, so they hold at least as many.
        #expect(totals.count == counts.count && zip(totals, counts).allSatisfy { $0 >= $1 }, "\(totals) \(counts)")
    }

    /// The run's closing aggregations are the whole run's, as its summary line is, not the last
    /// interval's (each interval clears the maps in the kernel): a helper makes 30 sleeps of
    /// 100 ms over about 3 s of a `every 1s` run, and the closing count, histogram and sum say 30.
    /// On 27ef842 they held only what came after the last interval.
    @Test(.live) func theClosingResultsAreTheWholeRunsNotTheLastIntervals() throws {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: """
            probe n = r::sys_clock_nanosleep
            agg n: count
            agg n: hist latency
            agg n: sum errno
            agg n: count by comm
            agg n: avg latency
            run 30s every 1s -- \(TracedHelper.path) naps 30 100
            """, origin: "live.trc")
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let intervals = output.lines.filter { $0.hasPrefix("run 1 interval ") }
        #expect(intervals.count >= 2, "the naps span several intervals: \(output.lines)")
        #expect(run.pipeline.statistics.totalEvents == 30)
        let results = Dictionary(run.pipeline.aggregations.map { ($0.title, $0.rows) }) { a, _ in a }
        #expect(results["n: count"] == [AggregationResult.Row(keys: [], value: .scalar(30))], "\(results)")
        #expect(results["n: count by comm"] == [AggregationResult.Row(keys: [.bytes(Array("traced_helper".utf8))], value: .scalar(30))], "\(results)")
        #expect(results["n: sum errno"] == [AggregationResult.Row(keys: [], value: .scalar(0))], "\(results)")
        guard case .histogram(let buckets)? = results["n: hist latency"]?.first?.value else {
            Issue.record("no histogram: \(results)")
            return
        }
        #expect(buckets.reduce(0) { $0 + $1.count } == 30, "\(buckets)")
        // An average cannot be added up: the closing one says it is the last interval's.
        #expect(output.lines.contains { $0.hasPrefix("n: avg latency below is the last interval's") }, "\(output.lines)")
    }

    /// A recording of an interval run replays its intervals as the run printed them.
    @Test(.live) func aReplayPrintsTheSameIntervals() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tracesh-intervals-\(UUID().uuidString).rec").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (live, outcome) = session("""
            probe rd = sys_read
            agg rd: count by comm
            record \(path)
            run 3s every 1s -- \(Self.reader)
            """)
        #expect(outcome == .success, "\(live.diagnostics)")
        let (replayed, replayOutcome) = session("replay \(path)")
        #expect(replayOutcome == .success, "\(replayed.diagnostics)")
        let intervals = { (output: CollectingOutput) in output.lines.filter { $0.hasPrefix("run 1 interval ") } }
        #expect(intervals(live).count >= 2, "\(live.lines)")
        #expect(intervals(replayed) == intervals(live), "\(replayed.lines)")
    }
}
