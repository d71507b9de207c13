import TraceshModel
import TraceshFiles

/// A lexical token of tracesh expressions and specs.
public struct Token: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case identifier
        case integer(Int64)
        /// A double-quoted string, escapes decoded.
        case string(String)
        /// `$name`
        case builtin
        /// Operators and punctuation: `(`, `)`, `,`, `->`, `@`, `==`, `&&`, ...
        case symbol
        case end
    }

    public var kind: Kind
    /// The token as written (for a builtin, the name without `$`).
    public var text: String
    public var location: SourceLocation
    /// Index of the token's first character in the lexed text.
    public var offset: Int

    public func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }
    public func isIdentifier(_ name: String) -> Bool { kind == .identifier && text == name }
    public var isEnd: Bool { kind == .end }
}
