import Testing
@testable import TraceshKit

@Suite struct VariableExpanderTests {
    let variables = ["target": "1234", "name": "nginx"]

    func expand(_ text: String) throws -> String {
        try VariableExpander.expand(LocatedText(text)) { variables[$0] }.string
    }

    @Test func expandsPlainAndBracedNames() throws {
        #expect(try expand("filter pid == $target") == "filter pid == 1234")
        #expect(try expand("filter comm == \"${name}x\"") == "filter comm == \"nginxx\"")
    }

    @Test func leavesSingleQuotesEscapesAndTraceBuiltinsAlone() throws {
        #expect(try expand("save '$target'") == "save '$target'")
        #expect(try expand(#"filter comm == "\$target""#) == #"filter comm == "\$target""#)
        #expect(try expand("probe sys_read ($tgid == 1)") == "probe sys_read ($tgid == 1)")
    }

    @Test func undefinedVariableIsALocatedError() {
        do {
            _ = try VariableExpander.expand(LocatedText("filter pid == $nope", at: SourceLocation(line: 3, column: 1))) { _ in nil }
            Issue.record("expected an error")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.location == SourceLocation(line: 3, column: 15))
            #expect(diagnostic.message.contains("undefined variable '$nope'"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func expandedTextPointsAtTheDollarSign() throws {
        let expanded = try VariableExpander.expand(LocatedText("a $name b")) { variables[$0] }
        #expect(expanded.string == "a nginx b")
        #expect(expanded.location(at: 4) == SourceLocation(line: 1, column: 3))
        #expect(expanded.location(at: 8) == SourceLocation(line: 1, column: 9))
    }
}
