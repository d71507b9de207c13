import Testing
@testable import TraceshKit

@Suite struct ProbeSuggesterTests {
    @Test func fileNotFoundSuggestsOpenProbesFirst() {
        let suggestions = ProbeSuggester.suggestions(for: "app says: file not found")
        #expect(suggestions.first?.spec.hasPrefix("sys_openat") == true)
        #expect(suggestions.contains { $0.spec.hasPrefix("r::sys_openat (retval < 0)") })
    }

    @Test func bestMatchingRuleComesFirstAndNothingRepeats() {
        let suggestions = ProbeSuggester.suggestions(for: "connection refused, tcp timeout, and slow")
        #expect(suggestions.first?.spec.hasPrefix("sys_connect") == true)
        #expect(Set(suggestions.map(\.spec)).count == suggestions.count)
    }

    @Test func unrelatedTextSuggestsNothing() {
        #expect(ProbeSuggester.suggestions(for: "the weather is nice").isEmpty)
    }

    @Test func everySuggestionIsAValidProbeCommand() throws {
        for text in ["file", "read", "write", "exec", "network", "memory", "disk", "signal", "cpu"] {
            for suggestion in ProbeSuggester.suggestions(for: text) {
                let command = try CommandParser.parse(LocatedText("probe " + suggestion.spec))
                guard case .probe = command.kind else { Issue.record("not a probe: \(suggestion.spec)"); continue }
            }
        }
    }
}
