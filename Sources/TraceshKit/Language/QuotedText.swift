import TraceshModel

/// tracesh's one rule for quoted text. The lexer, the word scanner, the script splitter, the
/// variable expander and tab completion all read it, so a string means the same wherever it is
/// typed:
///
/// - `'...'` is literal: no escapes, and `$NAME` is not expanded inside it.
/// - `"..."` takes C escapes: `\n`, `\t`, `\r`, `\0`, `\\`, `\"`, `\$` (a literal dollar),
///   `\'`, `\%` (a literal percent in a format) and `\xHH` for an ASCII byte. Any other escape is
///   an error at its backslash (a path such as `"C:\dir"` would otherwise lose its backslash).
public enum QuotedText {
    /// The characters that escape themselves after a backslash inside `"..."`.
    public static let literalEscapes: Set<Character> = ["\\", "\"", "$", "'", "%"]

    /// Follows quotes through text one character at a time, for the passes that only need to
    /// know where quoted text is (splitting lines, expanding `$NAME`, finding the current word),
    /// not what it decodes to.
    public struct Tracker: Sendable {
        /// Where a character falls.
        public enum Role: Equatable, Sendable {
            /// Outside any quote.
            case unquoted
            /// An opening or closing quote.
            case quote
            /// Inside a quote.
            case quoted
            /// The backslash of an escape inside `"..."`.
            case escape
            /// The character after that backslash.
            case escaped
        }

        /// The quote in force (`"` or `'`), nil outside quotes.
        public private(set) var open: Character?
        private var escaping = false

        public init() {}

        public var isQuoted: Bool { open != nil }

        /// Reads one character and says where it falls.
        public mutating func read(_ character: Character) -> Role {
            guard let quote = open else {
                if character == "\"" || character == "'" {
                    open = character
                    return .quote
                }
                return .unquoted
            }
            if escaping {
                escaping = false
                return .escaped
            }
            if character == quote {
                open = nil
                return .quote
            }
            if character == "\\" && quote == "\"" {
                escaping = true
                return .escape
            }
            return .quoted
        }

        /// Forgets any open quote (a new line starts unquoted).
        public mutating func reset() {
            open = nil
            escaping = false
        }
    }

    /// Reads the quoted string that opens at `index` (on its `"` or `'`), decoding escapes, and
    /// moves `index` past the closing quote. Errors name the escape's or the string's place.
    public static func read(_ characters: [Character], at index: inout Int, in text: LocatedText) throws -> String {
        let quote = characters[index]
        let open = text.location(at: index)
        index += 1
        var value = ""
        while index < characters.count {
            let character = characters[index]
            let location = text.location(at: index)
            index += 1
            if character == quote { return value }
            guard character == "\\", quote == "\"", index < characters.count else {
                value.append(character)
                continue
            }
            let escape = characters[index]
            index += 1
            switch escape {
            case "n": value += "\n"
            case "t": value += "\t"
            case "r": value += "\r"
            case "0": value += "\0"
            case "x":
                let digits = String(characters[index..<min(index + 2, characters.count)])
                guard digits.count == 2, let byte = UInt8(digits, radix: 16) else {
                    throw Diagnostic("'\\x' needs two hex digits", at: location)
                }
                guard byte < 0x80 else {
                    throw Diagnostic("'\\x\(digits)' is not a character on its own; write the UTF-8 character itself", at: location)
                }
                value.unicodeScalars.append(Unicode.Scalar(byte))
                index += 2
            case _ where literalEscapes.contains(escape):
                value.append(escape)
            default:
                throw Diagnostic("unknown escape '\\\(escape)' in string (write '\\\\' for a backslash)", at: location)
            }
        }
        throw Diagnostic("unterminated string: missing \(quote) to close the string opened at \(open)", at: text.endLocation)
    }

    /// The text of a double-quoted string that `read` decodes back to `value` (`$` is escaped so
    /// a saved and reloaded script does not expand it).
    public static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\"", "\\", "$": out += "\\" + String(character)
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default: out.append(character)
            }
        }
        return out
    }
}
