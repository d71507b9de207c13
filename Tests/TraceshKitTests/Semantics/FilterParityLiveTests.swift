import Foundation
import Testing
@testable import TraceshKit

/// Parity of the two back ends of the semantic pass: for a generated corpus of filters, the
/// events the kernel selects equal those user space selects from the unfiltered events of the
/// same live run. One program: an unfiltered probe carrying every value, and one probe per
/// filter with the same format, so the messages compare directly.
@Suite(.serialized) struct FilterParityLiveTests {
    static let atoms = [
        "arg3 == 0", "(arg3 & 1) == 0", "arg1 < 0", "(int)arg1 == -100", "(u8)arg3 == 0", "comm == \"traced_helper\"",
        "STRCMP(\"traced_helper\", comm)", "pid > 0", "uid == 0", "gid == 0", "cpu >= 0", "$tgid == pid", "$pid == tid",
        "arg4 > 1", "-arg1 > 0", "~arg3 != 0", "(arg3 >> 1) % 2 == 0", "(unsigned)arg1 > 100",
    ]

    /// Atoms, then deterministic combinations with `&&`, `||` and `!`, and the target path.
    static func corpus(target: String) -> [String] {
        var filters = atoms + ["arg2@user == \"\(target)\"", "arg2@user != \"\(target)\" && arg3 != 0"]
        for (index, atom) in atoms.enumerated() where index % 3 == 0 {
            let other = atoms[(index * 7 + 5) % atoms.count]
            filters.append("\(atom) && !(\(other))")
            filters.append("(\(atom)) || \(other)")
        }
        return filters
    }

    @Test(.live) func kernelAndUserSpaceSelectTheSameEvents() throws {
        let directory = try TemporaryFolder()
        let target = directory.path + "/parity"
        _ = FileManager.default.createFile(atPath: target, contents: Data("x".utf8))
        let format = #""%s %d %d %d", arg2@user, arg1, arg3, arg4"#
        let filters = Self.corpus(target: target)
        var script = "probe all = sys_openat \(format)\n"
        for (index, filter) in filters.enumerated() {
            script += "probe k\(index) = sys_openat \(format)\nfilter k\(index): \(filter)\n"
        }
        script += "run 60s -- \(TracedHelper.path) open \(target) 20\n"
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: script, origin: "parity.trc") == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let program = run.program
        let events = run.pipeline.store.events
        let all = events.filter { $0.probeIndex == 0 }
        #expect(all.count >= 20)
        let evaluator = EventEvaluator(probes: program.probes)
        for (index, filter) in filters.enumerated() {
            let condition = try ExpressionParser.parse(LocatedText(filter))
            let resolved = try EventEvaluator.resolve(condition, probes: [program.probes[0]])[0]
            let inUserSpace = all.filter { evaluator.matches($0, resolved) }.map(\.message).sorted { $0.lexicographicallyPrecedes($1) }
            let inKernel = events.filter { $0.probeIndex == index + 1 }.map(\.message).sorted { $0.lexicographicallyPrecedes($1) }
            #expect(inKernel == inUserSpace, "filter \(filter): kernel \(inKernel.count) events, user space \(inUserSpace.count)")
        }
        // The corpus is not vacuous: some filters keep events and some drop them.
        #expect(filters.indices.contains { index in events.contains { $0.probeIndex == index + 1 } })
        #expect(filters.indices.contains { index in events.filter { $0.probeIndex == index + 1 }.count < all.count })
    }
}
