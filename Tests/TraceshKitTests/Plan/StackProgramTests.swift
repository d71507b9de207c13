import Testing
@testable import TraceshKit

/// Stack names in the semantic pass and the program: where they may appear, and what bpftrace gets.
struct StackProgramTests {
    static func run(_ script: String) -> (Interpreter.Outcome, CollectingOutput) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        return (interpreter.run(source: script, origin: "s.trc"), output)
    }

    @Test func stacksAreAggregationKeysOnly() {
        for (line, message) in [
            ("agg o: count by ustack(0)", "s.trc:2:17: error: probe 'o': ustack(0): the depth must be 1 to 127 frames"),
            ("agg o: count by kstack(1, 2)", "s.trc:2:17: error: probe 'o': 'kstack(1, 2)': a stack takes one number, its depth: ustack, ustack(5), kstack(10)"),
            ("agg o: sum ustack", "s.trc:2:12: error: probe 'o': 'ustack' is a call stack: use it as an agg key ('agg count by ustack') or add stacks to events with 'set stacks user'"),
            ("filter o: kstack == 1", "s.trc:2:11: error: probe 'o': 'kstack' is a call stack: use it as an agg key ('agg count by ustack') or add stacks to events with 'set stacks user'"),
        ] {
            let (outcome, output) = Self.run("probe o = sys_openat\n\(line)\nshow bpftrace")
            #expect(outcome == .failure)
            #expect(output.diagnostics == [message], "\(line)")
        }
    }

    /// A user stack is keyed by pid and the recovered caller too; a kernel stack alone; END
    /// announces itself (B) and clears the first-sight map.
    @Test func theProgramKeysUserStacksByProcessAndCaller() throws {
        let (outcome, output) = Self.run("probe o = sys_openat\nagg o: count by comm, ustack(8)\nagg o: count by kstack\nshow bpftrace")
        #expect(outcome == .success, "\(output.diagnostics)")
        let program = output.text
        #expect(program.contains("@agg1[comm, pid, $tracesh_caller, ustack(perf, 8)] = count();"))
        #expect(program.contains("@agg2[kstack(perf)] = count();"))
        #expect(program.contains("unroll(24)"))
        #expect(program.contains("/((pid != ") && program.contains("!(@tracesh_seen[pid])/"))
        #expect(program.contains("END\n{\n  printf(\"\\x1e") && program.contains("\\x1fB\\x1f"))
        #expect(program.contains("clear(@tracesh_seen);"))
    }

    @Test func aKernelStackAloneNeedsNoMapsOfProcesses() throws {
        let (outcome, output) = Self.run("probe o = sys_openat\nagg o: count by kstack(4)\nshow bpftrace")
        #expect(outcome == .success)
        #expect(!output.text.contains("tracesh_seen") && !output.text.contains("tracesh_caller"))
    }
}
