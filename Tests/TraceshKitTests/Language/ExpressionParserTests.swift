import Testing
@testable import TraceshKit

@Suite struct ExpressionParserTests {
    func parse(_ text: String) throws -> Expression { try ExpressionParser.parse(LocatedText(text)) }

    @Test func respectsCPrecedenceAndPrintsMinimalParentheses() throws {
        #expect(try parse("a || b && c == 1").description == "a || b && c == 1")
        #expect(try parse("(a || b) && c").description == "(a || b) && c")
        #expect(try parse("arg1 - (arg2 - 3)").description == "arg1 - (arg2 - 3)")
        #expect(try parse("(arg1 - arg2) - 3").description == "arg1 - arg2 - 3")
        #expect(try parse("!(pid == 1)").description == "!(pid == 1)")
    }

    @Test func parsesFieldsBuiltinsCastsCallsAndUserStrings() throws {
        #expect(try parse("args->filename").kind == .field("filename"))
        #expect(try parse("$tgid").kind == .builtin("tgid"))
        #expect(try parse("(unsigned long)retval").kind == .cast("unsigned long", Expression(.identifier("retval"))))
        #expect(try parse("(char *)arg1").description == "(char*)arg1")
        #expect(try parse("arg2@user").kind == .userString(Expression(.identifier("arg2"))))
        #expect(try parse(#"STRCMP("bash", comm)"#).kind == .call("STRCMP", [Expression(.string("bash")), Expression(.identifier("comm"))]))
        #expect(try parse("-5").kind == .integer(-5))
        #expect(try parse("0x10").kind == .integer(16))
    }

    @Test func decodesStringEscapes() throws {
        #expect(try parse(#""a\"b\\c\n\t\x41""#).kind == .string("a\"b\\c\n\tA"))
        #expect(try parse(#""naïve""#).kind == .string("naïve"))
    }

    @Test(arguments: [
        ("pid ==", "1:7", "expected an expression after '=='"),
        ("(pid == 1", "1:10", "expected ')' to close the '(' opened at 1:1"),
        ("comm == \"cat", "1:13", "unterminated string"),
        ("pid == 1 2", "1:10", "unexpected '2'"),
        ("pid # 1", "1:5", "unexpected character '#'"),
        ("comm == 'cat'", "1:9", "double quotes"),
        ("arg1@kernel", "1:6", "expected 'user'"),
        ("f(1, 2", "1:7", "expected ')' to close the call"),
        ("99999999999999999999", "1:1", "invalid number"),
        ("args->", "1:7", "tracepoint field name"),
    ])
    func reportsLocatedErrors(source: String, location: String, message: String) {
        do {
            _ = try parse(source)
            Issue.record("expected an error for \(source)")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.location?.description == location, "\(source): \(diagnostic)")
            #expect(diagnostic.message.contains(message), "\(source): \(diagnostic)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
