import Foundation
import Testing
@testable import TraceshKit

/// Syscall wildcards against real bpftrace: one raw_syscalls probe, so a syscount of a command
/// starts in about a second, with exact per-syscall counts under their names.
@Suite(.serialized) struct EverySyscallLiveTests {
    func session(_ script: String) -> (Interpreter, CollectingOutput, Interpreter.Outcome) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: script, origin: "live.trc")
        return (interpreter, output, outcome)
    }

    @Test(.live) func aSyscountOfACommandIsExactAndFast() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let (interpreter, output, outcome) = session("""
            probe s = t:syscalls:sys_enter_*
            agg s: count by function
            set stream on
            run 60s -- \(TracedHelper.path) getpid 321
            """)
        let elapsed = clock.now - start
        #expect(outcome == .success, "\(output.diagnostics)")
        // Attaching every syscalls:sys_enter_* tracepoint took 26 s here; one raw probe, under 1 s.
        #expect(elapsed < .seconds(4), "the whole run took \(elapsed)")
        print("syscount of traced_helper getpid 321: \(elapsed)")
        let run = try #require(interpreter.runs.latestFinished)
        #expect(run.commandExitCode == 0)
        let counts = try #require(run.pipeline.aggregations.first)
        var byName: [String: Int64] = [:]
        for row in counts.rows {
            guard case .bytes(let name) = row.keys.first, case .scalar(let count) = row.value else {
                Issue.record("a key that is not a syscall name: \(row)")
                continue
            }
            byName[String(decoding: name, as: UTF8.self)] = count
        }
        #expect(byName["getpid"] == 321, "\(byName)")
        #expect(byName["exit_group"] == 1, "\(byName)")
        #expect(byName.keys.allSatisfy { !$0.hasPrefix("syscall_") }, "\(byName)")
        // Each event's function is its syscall (streamed: `stream on`; by default this probe would
        // be counted in the kernel only).
        let functions = Set(run.pipeline.store.events.map { run.program.function(of: $0) })
        #expect(functions.contains("getpid") && functions.contains("exit_group"))
        #expect(output.text.contains("getpid"))
    }

    @Test(.live) func aFailedOpenCountsUnderItsErrnoName() throws {
        let (interpreter, output, outcome) = session("""
            probe r = r::sys_openat
            agg r: count by retval
            run 60s -- \(TracedHelper.path) open /nonexistent-tracesh-dir/file 3
            set format json
            results
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let counts = try #require(interpreter.runs.latestFinished?.pipeline.aggregations.first)
        #expect(counts.rows.contains(AggregationResult.Row(keys: [.bytes(Array("ENOENT".utf8))], value: .scalar(3))), "\(counts.rows)")
        // The table (after the run) and JSON (`results`) both print the name.
        #expect(output.lines.contains { $0.contains("ENOENT") && !$0.hasPrefix("{") }, "\(output.lines)")
        #expect(output.lines.contains { $0.hasPrefix("{") && $0.contains(#""keys":["ENOENT"]"#) }, "\(output.lines)")
    }
}
