import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshAnalysis

/// Return probes that know their call (issue 13): latency, entry arguments read at return and
/// errno, against a helper each test starts itself.
@Suite(.serialized) struct ReturnProbeLiveTests {
    func session(_ script: String) -> (Interpreter, CollectingOutput, Interpreter.Outcome) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: script, origin: "live.trc")
        return (interpreter, output, outcome)
    }

    /// 15 sleeps of 20 ms: every one in the [16M, 32M) bucket of `hist latency`, none elsewhere.
    /// The helper runs at a real-time priority (chrt -f), so a busy machine cannot delay its
    /// wake-ups past 32 ms (it did, once in a few runs, with five builds sharing two CPUs).
    @Test(.live) func fifteenSleepsOfTwentyMillisecondsFallInOneBucket() throws {
        let (interpreter, output, outcome) = session("""
            probe s = r::sys_clock_nanosleep
            agg s: hist latency
            run 60s -- /usr/bin/chrt -f 10 \(TracedHelper.path) naps 15 20
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        #expect(run.status.state == .completed)
        let row = try #require(run.pipeline.aggregations.first?.rows.first)
        guard case .histogram(let buckets) = row.value else {
            Issue.record("not a histogram: \(row.value)")
            return
        }
        let inRange = buckets.filter { $0.low == 16 << 20 }
        #expect(inRange.map(\.label) == ["[16M, 32M)"], "\(buckets)")
        #expect(inRange.first?.count == 15, "\(buckets)")
        #expect(buckets.filter { $0.low != 16 << 20 }.allSatisfy { $0.count == 0 }, "\(buckets)")
        // The entry probe and its map are in the program.
        #expect(run.program.source.contains("tracepoint:syscalls:sys_enter_clock_nanosleep\n"))
        #expect(run.program.source.contains("@tracesh_entry_s_start[tid] = nsecs;"))
    }

    /// A path that does not exist, opened 6 times: the return probe prints each failure with the
    /// path (read at return from the pointer saved at entry) and -2, and `errno` names it.
    @Test(.live) func failedOpensPrintTheirPathAndErrno() throws {
        let directory = try TemporaryFolder()
        let missing = directory.path + "/no-such-file"
        let (interpreter, output, outcome) = session("""
            probe o = r::sys_openat (retval < 0) "%s %d", arg2@user, retval
            agg o: count by errno
            agg o: count by errno, comm
            run 60s -- \(TracedHelper.path) open \(missing) 6
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let events = run.pipeline.store.events
        #expect(events.map { ByteText.decode($0.message) } == Array(repeating: "\(missing) -2", count: 6),
                "\(events.map { ByteText.decode($0.message) })")
        #expect(events.allSatisfy { $0.value(named: "retval") == .integer(-2) })
        let byErrno = try #require(run.pipeline.aggregations.first?.rows)
        #expect(byErrno == [AggregationResult.Row(keys: [.bytes(Array("ENOENT".utf8))], value: .scalar(6))], "\(byErrno)")
        let byComm = try #require(run.pipeline.aggregations.last?.rows)
        #expect(byComm == [AggregationResult.Row(keys: [.bytes(Array("ENOENT".utf8)), .bytes(Array("traced_helper".utf8))], value: .scalar(6))], "\(byComm)")
        // errno in events: from each event's retval, with the name compared at compile time.
        let before = output.lines.count
        #expect(interpreter.run(source: #"events where errno == "ENOENT" && latency > 0"#, origin: "live.trc") == .success, "\(output.diagnostics)")
        let listed = output.lines.dropFirst(before).joined(separator: "\n")
        #expect(listed.components(separatedBy: "no-such-file -2").count - 1 == 6, "\(listed)")
    }

    /// `events where latency > N` on a streamed return probe: its events carry latency.
    @Test(.live) func eventsWhereLatencyFiltersAStreamedReturnProbe() throws {
        let (interpreter, output, outcome) = session("""
            probe n = r::sys_clock_nanosleep "slept %d", retval
            run 60s -- \(TracedHelper.path) naps 4 20
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        #expect(run.pipeline.store.events.count == 4)
        #expect(run.program.probes[0].fields.map(\.name) == ["retval", "latency"])
        for (condition, expected) in [("latency > 10000000", 4), ("latency > 10000000000", 0)] {
            let resolved = try EventEvaluator.resolve(ExpressionParser.parse(LocatedText(condition)), probes: run.program.probes)
            let evaluator = EventEvaluator(probes: run.program.probes)
            #expect(run.pipeline.store.events.filter { evaluator.matches($0, resolved[0]) }.count == expected, "\(condition)")
        }
        let before = output.lines.count
        #expect(interpreter.run(source: "events where latency > 10000000", origin: "live.trc") == .success, "\(output.diagnostics)")
        let listed = output.lines.dropFirst(before).joined(separator: "\n")
        #expect(listed.components(separatedBy: "slept 0").count - 1 == 4, "\(listed)")
    }

    /// A uretprobe reads its call's argument as a string at return (`%s` of arg1).
    @Test(.live) func aUretprobeReadsItsEntryArgument() throws {
        let (interpreter, output, outcome) = session("""
            probe g = r:c:getenv "getenv(%s)", arg1
            run 60s -- /usr/bin/env -u TRACESH_NOT_SET /bin/sh -c true
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let messages = try #require(interpreter.runs.latestFinished).pipeline.store.events.map { ByteText.decode($0.message) }
        #expect(!messages.isEmpty)
        #expect(messages.allSatisfy { $0.hasPrefix("getenv(") && $0 != "getenv()" }, "\(messages)")
    }

    /// A signal's number is named at return as at entry: `args->sig` at `r::sys_kill` is read
    /// from the entry's saved value and keeps its meaning (it printed 10 and 15, issue 20 item 5).
    @Test(.live, arguments: ["sys_kill", "r::sys_kill"]) func signalsAreNamedAtEntryAndAtReturn(spec: String) throws {
        let directory = try TemporaryFolder()
        let script = directory.path + "/signals.sh"
        try writeExecutable("#!/bin/sh\ntrap '' USR1 TERM\nkill -USR1 $$\nkill -USR1 $$\nkill -TERM $$\n", to: script)
        let (interpreter, output, outcome) = session("""
            probe k = \(spec)
            agg k: count by args->sig
            run 60s -- \(script)
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let rows = try #require(interpreter.runs.latestFinished?.pipeline.aggregations.first?.rows)
        #expect(Set(rows) == [AggregationResult.Row(keys: [.bytes(Array("SIGUSR1".utf8))], value: .scalar(2)),
                              AggregationResult.Row(keys: [.bytes(Array("SIGTERM".utf8))], value: .scalar(1))], "\(rows)")
    }

    /// getaddrinfo returns EAI_NONAME (-2) as a C int: the raw register is 4294967294, which is
    /// what `retval` is and what adding the probe says; `(int)retval` is -2 in a format, a
    /// filter and an agg key, and `%d` prints a C int (issue 20, item 7).
    @Test(.live) func aUserFunctionsIntReturnIsReadWithACast() throws {
        let (interpreter, output, outcome) = session("""
            probe g = r:c:getaddrinfo "%d %lld", (int)retval, retval
            filter g: (int)retval == -2
            agg g: count by (int)retval
            agg g: count by retval
            set stream on
            run 60s -- \(TracedHelper.path) eai 3
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        #expect(output.text.contains("probe g: retval is the 64-bit return register"), "\(output.text)")
        let run = try #require(interpreter.runs.latestFinished)
        let events = run.pipeline.store.events
        #expect(events.map { ByteText.decode($0.message) } == Array(repeating: "-2 4294967294", count: 3),
                "\(events.map { ByteText.decode($0.message) })")
        #expect(events.allSatisfy { $0.value(named: "retval") == .integer(4294967294) })
        #expect(run.pipeline.aggregations.map(\.rows) == [[AggregationResult.Row(keys: [.integer(-2)], value: .scalar(3))],
                                                         [AggregationResult.Row(keys: [.integer(4294967294)], value: .scalar(3))]],
                "\(run.pipeline.aggregations)")
    }
}
