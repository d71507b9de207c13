import Testing
@testable import TraceshKit

/// One quoting rule: the lexer (specs, expressions) and the word scanner (command arguments)
/// decode the same string alike, and the passes that only track quotes agree on where they are.
@Suite struct QuotedTextTests {
    /// The string a lexer token and a scanned word make of `quoted` (a `"..."` literal), or the
    /// error each gives.
    private func bothReadings(_ quoted: String) -> (lexer: Result<String, Diagnostic>, word: Result<String, Diagnostic>) {
        let text = LocatedText(quoted)
        let lexer = Result<String, Error> {
            guard case .string(let value) = try Lexer(text).tokens()[0].kind else { return "<not a string>" }
            return value
        }.mapError { $0 as! Diagnostic }
        let word = Result<String, Error> { try WordScanner.words(text)[0].text }.mapError { $0 as! Diagnostic }
        return (lexer, word)
    }

    /// Before one rule, the word scanner read `\0`, `\x41` and `\q` as `0`, `x41` and `q` while the
    /// lexer read NUL, `A` and an error: now both give the lexer's meaning.
    @Test(arguments: [
        (#""a\"b""#, "a\"b"), (#""back\\slash""#, "back\\slash"), (#""\$HOME""#, "$HOME"),
        (#""it\'s""#, "it's"), (#""100\%""#, "100%"), (#""nul\0""#, "nul\0"), (#""\x41""#, "A"),
        (#""tab\there""#, "tab\there"), (#""line\n""#, "line\n"), (#""cr\r""#, "cr\r"),
    ])
    func everyEscapeMeansTheSameInBoth(quoted: String, expected: String) throws {
        let readings = bothReadings(quoted)
        #expect(try readings.lexer.get() == expected)
        #expect(try readings.word.get() == expected)
    }

    @Test(arguments: [
        (#""C:\dir""#, "1:4", "unknown escape '\\d'"),
        (#""\x4""#, "1:2", "'\\x' needs two hex digits"),
        (#""\xe9""#, "1:2", "is not a character on its own"),
        (#""open"#, "1:6", "unterminated string"),
    ])
    func badStringsFailAtTheSamePlaceInBoth(quoted: String, place: String, message: String) {
        let readings = bothReadings(quoted)
        for reading in [readings.lexer, readings.word] {
            guard case .failure(let diagnostic) = reading else {
                Issue.record("\(quoted) was read as \(reading)")
                continue
            }
            #expect(diagnostic.location.map { "\($0.line):\($0.column)" } == place, "\(quoted)")
            #expect(diagnostic.message.contains(message), "\(diagnostic.message)")
        }
    }

    @Test func singleQuotesAreLiteralInWords() throws {
        #expect(try WordScanner.words(LocatedText(#"'a\nb $x'"#))[0].text == #"a\nb $x"#)
    }

    /// An escaped quote does not end a string in any pass: the splitter keeps the `;` in it, the
    /// expander leaves `\$x` alone and expands the `$x` after it, completion looks past the `;`.
    @Test func anEscapedQuoteEndsNothingInAnyPass() throws {
        let line = #"probe p = sys_write "a\"; \$x $x" ; stats"#
        #expect(ScriptSplitter.split(line).map(\.string) == [#"probe p = sys_write "a\"; \$x $x""#, "stats"])
        let expanded = try VariableExpander.expand(LocatedText(#""a\"; \$x $x""#)) { $0 == "x" ? "1" : nil }
        #expect(expanded.text.string == #""a\"; \$x 1""#)
        let completion = Completer.complete(#"filter "a\"; b" ; sta"#, graph: SessionGraph(), catalog: Fixtures.catalog)
        #expect(completion.candidates.contains("stats"))
        let inside = Completer.complete(#"filter "a\"; sta"#, graph: SessionGraph(), catalog: Fixtures.catalog)
        #expect(!inside.candidates.contains("stats"), "a ';' inside a string does not start a command")
    }

    @Test func escapedTextReadsBack() throws {
        for value in ["plain", "a\"b", "back\\slash", "$HOME", "nul\0", "tab\tline\nend"] {
            var index = 0
            let quoted = "\"" + QuotedText.escaped(value) + "\""
            #expect(try QuotedText.read(Array(quoted), at: &index, in: LocatedText(quoted)) == value)
            #expect(index == quoted.count)
        }
    }
}
