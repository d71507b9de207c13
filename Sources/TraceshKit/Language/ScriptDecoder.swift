import TraceshModel
import TraceshFiles

/// Turns a script's bytes into text. Scripts are UTF-8, but a comment is never read, so any
/// bytes may stand in one (an old Latin-1 note must not make a runbook unreadable); a byte that
/// is not UTF-8 anywhere else is a located error naming the byte.
///
/// Comments are found by `ScriptSplitter`'s rule: `#` outside quotes, at the start of a command
/// or after white space, up to the end of the line.
public enum ScriptDecoder {
    public static func decode(_ bytes: [UInt8]) throws(Diagnostic) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var text = ""
        text.reserveCapacity(bytes.count)
        var lineNumber = 1
        for line in bytes.split(separator: 0x0a, omittingEmptySubsequences: false) {
            if lineNumber > 1 { text += "\n" }
            if let valid = String(validating: line, as: UTF8.self) {
                text += valid
            } else {
                let code = commentStart(in: line) ?? line.endIndex
                let before = line[line.startIndex..<code]
                guard let valid = String(validating: before, as: UTF8.self) else {
                    throw notUTF8(before, line: lineNumber)
                }
                // The comment is dropped by the splitter; its undecodable bytes become U+FFFD.
                text += valid + String(decoding: line[code...], as: UTF8.self)
            }
            lineNumber += 1
        }
        return text
    }

    /// Where the comment on a line starts, if it has one.
    static func commentStart(in line: ArraySlice<UInt8>) -> Int? {
        var quote: UInt8? = nil
        var escaped = false
        var afterSpace = true
        for index in line.indices {
            let byte = line[index]
            if escaped {
                escaped = false
            } else if let open = quote {
                if byte == open { quote = nil } else if byte == UInt8(ascii: "\\") && open == UInt8(ascii: "\"") { escaped = true }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "#") && afterSpace {
                return index
            } else if byte == UInt8(ascii: ";") {
                afterSpace = true
                continue
            }
            afterSpace = byte == 0x20 || byte == 0x09 || byte == 0x0d
        }
        return nil
    }

    /// The error for the first byte of `bytes` that is not part of valid UTF-8.
    static func notUTF8(_ bytes: ArraySlice<UInt8>, line: Int) -> Diagnostic {
        var index = bytes.startIndex
        var column = 1
        while index < bytes.endIndex {
            let length = ByteText.validSequenceLength(bytes, at: index)
            if length == 0 {
                let hex = String(bytes[index], radix: 16, uppercase: false)
                return Diagnostic("byte 0x\(hex.count == 1 ? "0" + hex : hex) on line \(line) is not UTF-8 "
                                  + "(scripts are UTF-8 text; other bytes may appear only in comments)",
                                  at: SourceLocation(line: line, column: column))
            }
            index += length
            column += 1
        }
        return Diagnostic("line \(line) is not UTF-8", at: SourceLocation(line: line, column: 1))
    }
}
