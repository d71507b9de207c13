import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshModel

/// Every return-probe format trace.py users write loads in real bpftrace (issue 20, item 2):
/// retval, errno, latency, entry arguments, casts and arithmetic, one to four of them, with and
/// without a string read at the entry. bpftrace 0.17 refused some with "the BPF stack limit of
/// 512 bytes is exceeded" when tracesh asked for 200-byte strings beside computed values.
@Suite(.serialized) struct ReturnProbeFormatLoadTests {
    /// A return probe, the values it can print and the string its entry can read.
    struct Target {
        var spec: String
        var values: [String]
        var string: String
    }

    static let targets = [
        Target(spec: "r::sys_openat", values: ["retval", "errno", "latency", "arg3", "(int)retval", "retval + 1", "latency / 1000000", "arg1 * 2"],
               string: "arg2@user"),
        Target(spec: "r:c:getaddrinfo", values: ["retval", "(int)retval", "latency / 1000000", "arg3", "retval + 1", "latency"],
               string: "arg1@user"),
    ]

    /// The generated specs: for each target, every run of one to four consecutive values of its
    /// list (wrapping round), each without and with the string after them.
    static var specs: [String] {
        var specs: [String] = []
        for target in targets {
            for count in 1...4 {
                for start in target.values.indices {
                    let values = (0..<count).map { target.values[(start + $0) % target.values.count] }
                    for withString in [false, true] {
                        let arguments = values + (withString ? [target.string] : [])
                        let format = (values.map { _ in "%d" } + (withString ? ["%s"] : [])).joined(separator: " ")
                        specs.append(target.spec + " \"" + format + "\", " + arguments.joined(separator: ", "))
                    }
                }
            }
        }
        return specs
    }

    @Test func theGeneratedFormatsCoverEveryValueCountAndString() {
        let specs = Self.specs
        #expect(specs.count == 2 * 4 * (8 + 6))
        #expect(specs.contains(#"r::sys_openat "%d %d %d %d %s", retval, errno, latency, arg3, arg2@user"#))
        #expect(specs.contains(#"r:c:getaddrinfo "%d %s", latency / 1000000, arg1@user"#))
    }

    /// Specs compiled alone get the string length their own printf fits; those sharing a length
    /// load together, as one program of many probes (bpftrace verifies each probe's program on
    /// its own), so the test loads about twenty programs rather than a hundred.
    @Test(.live) func everyReturnProbeFormatLoadsInBpftrace() throws {
        var groups: [Int: [String]] = [:]
        for spec in Self.specs {
            var graph = SessionGraph()
            graph.probes = [ProbeDeclaration(name: "p", spec: spec)]
            let program = try ProgramCompiler.compile(graph, catalog: .live, options: CompileOptions())
            groups[program.stringLength, default: []].append(spec)
        }
        #expect(groups.count > 1, "all formats got one string length: \(groups.keys)")
        // Eight probes a program: their entry maps share one sched_process_exit cleanup probe,
        // which bpftrace cannot load for thirty-odd probes.
        let chunks = groups.sorted { $0.key > $1.key }.flatMap { length, specs in
            stride(from: 0, to: specs.count, by: 8).map { (length, Array(specs[$0..<min($0 + 8, specs.count)])) }
        }
        for (length, specs) in chunks {
            let output = CollectingOutput()
            let interpreter = Interpreter(output: output)
            let script = specs.enumerated().map { "probe p\($0.offset) = \($0.element)" }.joined(separator: "\n")
            #expect(interpreter.run(source: script, origin: "formats.trc") == .success, "\(output.diagnostics)")
            #expect(interpreter.run(source: "run 300ms", origin: "formats.trc") == .success,
                    "strings of \(length) bytes: \(output.diagnostics)\n\(specs.joined(separator: "\n"))")
            let run = try #require(interpreter.runs.latestFinished)
            #expect(run.status.state == .completed)
            #expect(run.program.stringLength == length)
            print("return-probe formats: \(specs.count) load with \(length)-byte strings")
        }
    }
}
