import PropertyBased
import Testing
@testable import TraceshKit

/// Generated *valid* sessions (specs, filters and aggregations that the semantic pass accepts):
/// `save` then `load` gives the same graph and the same program, and (live) a sample of their
/// programs loads and runs in bpftrace.
@Suite struct GeneratedSessionPropertyTests {
    @Test func saveThenLoadKeepsTheGraphAndTheProgram() async {
        await propertyCheck(count: 150, input: SessionGenerator.script) { script in
            let output = CollectingOutput()
            let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
            guard interpreter.run(source: script, origin: "generated.trc") == .success else {
                Issue.record("the generator made an invalid session: \(output.diagnostics)\n\(script)")
                return
            }
            let saved = ScriptWriter.script(for: interpreter.graph)
            let loadedOutput = CollectingOutput()
            let loaded = Interpreter(output: loadedOutput, catalog: Fixtures.catalog)
            #expect(loaded.run(source: saved, origin: "saved.trc") == .success, "\(loadedOutput.diagnostics)\n\(saved)")
            #expect(loaded.graph == interpreter.graph, "\(saved)")
            let options = CompileOptions(framing: Fixtures.framing)
            let original = try? ProgramCompiler.compile(interpreter.graph, catalog: Fixtures.catalog, options: options)
            let reloaded = try? ProgramCompiler.compile(loaded.graph, catalog: Fixtures.catalog, options: options)
            #expect(original != nil && original?.source == reloaded?.source, "\(script)")
        }
    }

    /// A sample (the generator is seeded by the property library; each case costs a bpftrace
    /// start of a second or more): every program loads, runs 300 ms and ends as completed.
    @Test(.live) func generatedProgramsLoadInBpftrace() async {
        await propertyCheck(count: 6, input: SessionGenerator.script) { script in
            let output = CollectingOutput()
            let interpreter = Interpreter(output: output)
            #expect(interpreter.run(source: script + "\nrun 300ms", origin: "generated.trc") == .success, "\(output.diagnostics)\n\(script)")
            #expect(interpreter.runs.latestFinished?.status.state == .completed, "\(script)")
        }
    }
}

/// Random sessions that are valid on this kernel and on the fixture tracefs: specs from a pool
/// that resolves on both, filters and aggregations typed to fit every probe of the session.
enum SessionGenerator {
    static let specs = [
        "sys_read", "sys_openat \"open %s\", arg2@user", "r::sys_read \"read %d\", retval",
        "sys_write (arg3 > 16) \"write %d\", arg3", "t:sched:sched_process_exec \"exec %s\", args->filename",
        "r::sys_openat (retval < 0)", "sys_*open*",
    ]
    /// Strings for `comm` comparisons: quotes, backslashes, `%`, `}`, `;` (at most 15 bytes).
    static let strings = ["cat", "a\"b", "back\\slash", "50%s", "x}y;z", "sys(", "naïve"]
    static let numberNames = ["pid", "tid", "uid", "gid", "cpu"]

    static func condition(depth: Int, using rng: inout any SeededRandomNumberGenerator) -> String {
        switch Int.random(in: 0..<(depth == 0 ? 2 : 5), using: &rng) {
        case 0:
            let op = ["==", "!=", "<", ">=", ">"].randomElement(using: &rng)!
            return "\(numberNames.randomElement(using: &rng)!) \(op) \(Int.random(in: 0...100_000, using: &rng))"
        case 1:
            let string = strings.randomElement(using: &rng)!
            let escaped = string.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "comm \(Bool.random(using: &rng) ? "==" : "!=") \"\(escaped)\""
        case 2: return "!(\(condition(depth: depth - 1, using: &rng)))"
        case 3: return "(\(condition(depth: depth - 1, using: &rng))) && (\(condition(depth: depth - 1, using: &rng)))"
        default: return "(\(condition(depth: depth - 1, using: &rng))) || (\(condition(depth: depth - 1, using: &rng)))"
        }
    }

    static let script = Generator<String, Shrink.None<String>> { rng in
        var lines: [String] = []
        let probeCount = Int.random(in: 1...3, using: &rng)
        var names: [String] = []
        for index in 0..<probeCount {
            let name = "p\(index)"
            names.append(name)
            lines.append("probe \(name) = \(specs.randomElement(using: &rng)!)")
        }
        func scope() -> String { Bool.random(using: &rng) ? "" : names.randomElement(using: &rng)! + ": " }
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            lines.append("filter \(scope())\(condition(depth: 2, using: &rng))")
        }
        for _ in 0..<Int.random(in: 0...2, using: &rng) {
            let function = ["count", "sum pid", "avg uid", "min cpu", "max tid", "hist pid", "lhist(0, 1000, 100) cpu"].randomElement(using: &rng)!
            let keys = [[], ["comm"], ["comm", "pid"], ["uid"]].randomElement(using: &rng)!
            lines.append("agg \(scope())\(function)" + (keys.isEmpty ? "" : " by " + keys.joined(separator: ", ")))
        }
        if Bool.random(using: &rng) { lines.append("set stream off") }
        return lines.joined(separator: "\n")
    }
}
