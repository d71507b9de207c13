import TraceshModel
import TraceshFiles

/// Turns located text into tokens for expressions and probe specs.
public struct Lexer {
    private static let symbols = [
        "->", "==", "!=", "<=", ">=", "&&", "||", "=~", "!~", "<<", ">>",
        "(", ")", ",", "@", "!", "<", ">", "+", "-", "*", "/", "%", "&", "|", "^", "~", ":", "=", ".",
    ]

    public let text: LocatedText
    private let characters: [Character]

    public init(_ text: LocatedText) {
        self.text = text
        self.characters = text.characters
    }

    /// All tokens, ending with an `.end` token at the end location.
    public func tokens() throws -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while true {
            while index < characters.count, characters[index].isWhitespace { index += 1 }
            guard index < characters.count else {
                tokens.append(Token(kind: .end, text: "", location: text.endLocation, offset: characters.count))
                return tokens
            }
            let token = try lexToken(at: &index)
            tokens.append(token)
        }
    }

    private func lexToken(at index: inout Int) throws -> Token {
        let start = index
        let location = text.location(at: start)
        let character = characters[index]
        if character.isIdentifierStart {
            while index < characters.count, characters[index].isIdentifierBody { index += 1 }
            return Token(kind: .identifier, text: String(characters[start..<index]), location: location, offset: start)
        }
        if character.isASCII && character.isNumber {
            while index < characters.count, characters[index].isIdentifierBody { index += 1 }
            let spelling = String(characters[start..<index])
            guard let value = Self.integer(spelling) else {
                throw Diagnostic("invalid number '\(spelling)'", at: location)
            }
            return Token(kind: .integer(value), text: spelling, location: location, offset: start)
        }
        if character == "$" {
            index += 1
            let nameStart = index
            while index < characters.count, characters[index].isIdentifierBody { index += 1 }
            guard index > nameStart else { throw Diagnostic("expected a name after '$'", at: location) }
            return Token(kind: .builtin, text: String(characters[nameStart..<index]), location: location, offset: start)
        }
        if character == "\"" {
            let value = try QuotedText.read(characters, at: &index, in: text)
            return Token(kind: .string(value), text: String(characters[start..<index]), location: location, offset: start)
        }
        for symbol in Self.symbols where matches(symbol, at: index) {
            index += symbol.count
            return Token(kind: .symbol, text: symbol, location: location, offset: start)
        }
        if character == "'" {
            throw Diagnostic("strings use double quotes (\"...\"), not single quotes", at: location)
        }
        throw Diagnostic("unexpected character '\(character)'", at: location)
    }

    private func matches(_ symbol: String, at index: Int) -> Bool {
        var position = index
        for expected in symbol {
            guard position < characters.count, characters[position] == expected else { return false }
            position += 1
        }
        return true
    }

    /// Decimal, `0x` hex, `0o`/leading-0 octal and `0b` binary literals that fit in 64 bits.
    static func integer(_ spelling: String) -> Int64? {
        let lower = spelling.lowercased().filter { $0 != "_" }
        if lower.hasPrefix("0x") { return UInt64(lower.dropFirst(2), radix: 16).map { Int64(bitPattern: $0) } }
        if lower.hasPrefix("0b") { return UInt64(lower.dropFirst(2), radix: 2).map { Int64(bitPattern: $0) } }
        if lower.hasPrefix("0o") { return Int64(lower.dropFirst(2), radix: 8) }
        // Up to 2^64-1, read as the same 64 bits (bpftrace's integers are 64-bit too).
        return UInt64(lower).map { Int64(bitPattern: $0) }
    }
}
