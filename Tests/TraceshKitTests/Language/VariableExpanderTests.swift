import Testing
@testable import TraceshKit

@Suite struct VariableExpanderTests {
    let variables = ["target": "1234", "name": "nginx"]

    func expand(_ text: String) throws -> String {
        try VariableExpander.expand(LocatedText(text)) { variables[$0] }.text.string
    }

    @Test func expandsPlainAndBracedNames() throws {
        #expect(try expand("filter pid == $target") == "filter pid == 1234")
        #expect(try expand("filter comm == \"${name}x\"") == "filter comm == \"nginxx\"")
        #expect(try expand("filter comm == $name") == "filter comm == \"nginx\"")
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
        let expanded = try VariableExpander.expand(LocatedText("a $name b")) { variables[$0] }.text
        #expect(expanded.string == "a \"nginx\" b")
        #expect(expanded.location(at: 4) == SourceLocation(line: 1, column: 3))
        #expect(expanded.location(at: 10) == SourceLocation(line: 1, column: 9))
    }

    func expand(_ text: String, with values: [String: String]) throws -> String {
        try VariableExpander.expand(LocatedText(text)) { values[$0] }.text.string
    }

    /// A value is one number or one string, never operators: `pid="1 || 1"` must not make
    /// `pid == $pid` always true.
    @Test func aValueNeverBecomesOperators() throws {
        #expect(try expand("filter pid == $pid", with: ["pid": "1 || 1"]) == #"filter pid == "1 || 1""#)
        let parsed = try CommandParser.parse(LocatedText(try expand("filter pid == $pid", with: ["pid": "1 || 1"])))
        #expect(parsed.kind == .filter(Filter(probe: nil, condition: Expression(.binary(.equal, Expression(.identifier("pid")), Expression(.string("1 || 1")))))))
        #expect(try expand("filter pid == $pid", with: ["pid": "-12"]) == "filter pid == -12")
        #expect(try expand("filter pid == $pid", with: ["pid": "0x1f"]) == "filter pid == 0x1f")
        // Inside a string, a quote in the value cannot end the string.
        #expect(try expand(#"filter comm == "$c""#, with: ["c": #"x" || "1"#]) == #"filter comm == "x\" || \"1""#)
        // A word argument gets the whole value back, spaces and quotes included.
        let words = try WordScanner.words(LocatedText(try expand("save $out", with: ["out": #"/tmp/my "file".trc"#])))
        #expect(words.map(\.text) == ["save", #"/tmp/my "file".trc"#])
        // `$` in a value is escaped, so saving and loading the command does not expand it again.
        #expect(try expand("set x $v", with: ["v": "a$b"]) == #"set x "a\$b""#)
    }

    @Test func insideAWordAVariableIsPlainText() throws {
        #expect(try expand("probe u:$lib:malloc", with: ["lib": "/usr/lib/libstdc++.so.6"]) == "probe u:/usr/lib/libstdc++.so.6:malloc")
        #expect(try expand("save /tmp/$name.trc", with: ["name": "x-1"]) == "save /tmp/x-1.trc")
        do {
            _ = try expand("probe u:$lib:malloc", with: ["lib": "a b"])
            Issue.record("expected an error")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.message.contains("variable '$lib' is 'a b', which is neither a number nor a plain word"))
            #expect(diagnostic.location == SourceLocation(line: 1, column: 9))
        }
        #expect(throws: Diagnostic.self) { try expand("filter pid == $pid", with: ["pid": "1\u{1b}"]) }
    }

    @Test func bracedDefaultAppliesOnlyWhenUnset() throws {
        #expect(try expand("filter pid == ${pid:-1}", with: [:]) == "filter pid == 1")
        #expect(try expand("filter pid == ${pid:-1}", with: ["pid": "77"]) == "filter pid == 77")
        #expect(try expand("save ${out:-/tmp/a b.trc}", with: [:]) == #"save "/tmp/a b.trc""#)
    }

    /// A forgotten `pid=...` leaves `$pid` to trace.py's built-in: a located note says so.
    @Test func fallingBackToABuiltinIsANote() throws {
        let expansion = try VariableExpander.expand(LocatedText("probe sys_read ($pid == 1)", at: SourceLocation(line: 4, column: 1))) { _ in nil }
        #expect(expansion.text.string == "probe sys_read ($pid == 1)")
        #expect(expansion.notes.count == 1)
        #expect(expansion.notes.first?.severity == .note)
        #expect(expansion.notes.first?.location == SourceLocation(line: 4, column: 17))
        #expect(expansion.notes.first?.message.contains("pass pid=VALUE") == true)
        #expect(try VariableExpander.expand(LocatedText("probe sys_read ($pid == 1)")) { $0 == "pid" ? "5" : nil }.notes.isEmpty)
    }
}
