import Testing
@testable import TraceshKit

/// Scripts are UTF-8, except that a comment may hold any bytes.
struct ScriptDecoderTests {
    @Test func aLatin1ByteInACommentIsAccepted() throws {
        let bytes = Array("probe o = sys_openat # caf".utf8) + [0xe9] + Array("\n# \u{0}".utf8) + [0xff] + Array("\nshow graph\n".utf8)
        let text = try ScriptDecoder.decode(bytes)
        #expect(ScriptSplitter.split(text).map(\.string) == ["probe o = sys_openat", "show graph"])
    }

    @Test func aCommentAfterASemicolonMayHoldAnyBytes() throws {
        let bytes = Array("set x 1;# ".utf8) + [0xe9]
        #expect(ScriptSplitter.split(try ScriptDecoder.decode(bytes)).map(\.string) == ["set x 1"])
    }

    @Test func aLatin1ByteInAStringIsALocatedError() {
        let bytes = Array("probe o = sys_openat\nfilter o: comm == \"caf".utf8) + [0xe9] + Array("\" # é\n".utf8)
        #expect(throws: Diagnostic("byte 0xe9 on line 2 is not UTF-8 (scripts are UTF-8 text; other bytes may appear only in comments)",
                                   at: SourceLocation(line: 2, column: 23))) {
            try ScriptDecoder.decode(bytes)
        }
    }

    /// A `#` inside a string or a word does not start a comment, so bytes after it still count.
    @Test func aHashInsideAStringIsNotAComment() {
        let bytes = Array("set x \"a # b".utf8) + [0xe9] + Array("\"".utf8)
        #expect(throws: Diagnostic.self) { try ScriptDecoder.decode(bytes) }
        #expect(throws: Diagnostic.self) { try ScriptDecoder.decode(Array("set x a#".utf8) + [0xe9]) }
    }

    @Test func validUTF8IsUnchanged() throws {
        #expect(try ScriptDecoder.decode(Array("set x \"é\" # ü\n".utf8)) == "set x \"é\" # ü\n")
    }
}
