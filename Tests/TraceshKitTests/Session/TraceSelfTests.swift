import Foundation
import Testing
@testable import TraceshKit

/// tracesh and its bpftrace are left out of every probe in the kernel, unless `set trace-self on`.
@Suite(.serialized) struct TraceSelfTests {
    /// The processes a whole-machine count of every syscall saw: by comm, and by pid.
    func syscallCounters(_ settings: String) throws -> (names: Set<String>, pids: Set<Int64>, lost: Int64) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: """
            \(settings)
            probe s = t:raw_syscalls:sys_enter
            agg s: count by comm
            agg s: count by pid
            run 2s
            """, origin: "self.trc")
        #expect(outcome == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let aggregations = run.pipeline.aggregations
        #expect(aggregations.count == 2)
        let names = Set((aggregations.first?.rows ?? []).compactMap { row -> String? in
            guard case .bytes(let bytes)? = row.keys.first else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        })
        let pids = Set((aggregations.last?.rows ?? []).compactMap { row -> Int64? in
            guard case .integer(let pid)? = row.keys.first else { return nil }
            return pid
        })
        return (names, pids, run.pipeline.statistics.lostEvents)
    }

    /// This test process stands for tracesh: its threads have names of their own, so it is
    /// found by pid.
    static let ownPid = Int64(getpid())

    @Test(.live) func countingEverySyscallLeavesOutTheTracerAndLosesNothing() throws {
        // Counted in the kernel (the suite's other tests keep the machine busy: streaming every
        // syscall of theirs could overflow the perf buffers, which is not what this is about).
        let (names, pids, lost) = try syscallCounters("set stream off")
        #expect(!names.contains("bpftrace"), "\(names)")
        #expect(!pids.contains(Self.ownPid))
        #expect(lost == 0)
    }

    @Test(.live) func traceSelfOnBringsThemBack() throws {
        let (names, pids, _) = try syscallCounters("set stream off\nset trace-self on")
        #expect(names.contains("bpftrace"), "\(names)")
        #expect(pids.contains(Self.ownPid))
    }
}
