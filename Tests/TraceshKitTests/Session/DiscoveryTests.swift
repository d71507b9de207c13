import Foundation
import Testing
@testable import TraceshKit

/// `list`: finding tracepoints, their fields, and a binary's functions.
@Suite struct DiscoveryTests {
    func list(_ arguments: String) -> (Interpreter.Outcome, [String]) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        let outcome = interpreter.run(source: "list " + arguments, origin: nil)
        return (outcome, output.text.split(separator: "\n").map { $0.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression) })
    }

    @Test func verboseListingShowsFieldsTypesAndSpecNames() {
        let (outcome, lines) = list("-v sys_enter_openat")
        #expect(outcome == .success)
        #expect(lines.contains("syscalls:sys_enter_openat filename const char * arg2"), "\(lines)")
        #expect(lines.contains("syscalls:sys_enter_openat dfd int arg1"))
    }

    @Test func plainWordsAndSyscallPatternsFindTracepoints() {
        #expect(list("openat").1.contains("syscalls:sys_enter_openat"))
        let open = list("sys_open*").1
        #expect(open.contains("syscalls:sys_enter_openat") && open.contains("syscalls:sys_exit_openat"), "\(open)")
        #expect(list("sched:*").1.contains { $0.hasPrefix("sched:") })
    }

    @Test func aLibrarysFunctionsAreListed() {
        let (outcome, lines) = list("u:c:malloc")
        #expect(outcome == .success)
        #expect(lines.contains("function malloc"), "\(lines.prefix(5))")
        #expect(list("u:nosuchlibrary").0 == .failure)
    }
}
