import TraceshModel
import TraceshFiles

/// A cursor over tokens, shared by the expression, command and spec parsers.
public struct TokenStream {
    public private(set) var tokens: [Token]
    public private(set) var position = 0
    /// How deep the expression parser is in nested operands (see `ExpressionParser.maximumNesting`).
    public var nesting = 0

    public init(_ tokens: [Token]) {
        self.tokens = tokens.isEmpty ? [Token(kind: .end, text: "", location: .start, offset: 0)] : tokens
    }

    public init(lexing text: LocatedText) throws {
        self.init(try Lexer(text).tokens())
    }

    public var current: Token { tokens[min(position, tokens.count - 1)] }
    public func peek(_ ahead: Int = 1) -> Token { tokens[min(position + ahead, tokens.count - 1)] }
    public var atEnd: Bool { current.isEnd }

    @discardableResult
    public mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    /// Consumes the symbol when it is next; tells whether it was.
    public mutating func accept(_ symbol: String) -> Bool {
        guard current.isSymbol(symbol) else { return false }
        advance()
        return true
    }

    public mutating func acceptIdentifier(_ name: String) -> Bool {
        guard current.isIdentifier(name) else { return false }
        advance()
        return true
    }

    @discardableResult
    public mutating func expect(_ symbol: String, _ context: String) throws -> Token {
        guard current.isSymbol(symbol) else {
            throw Diagnostic("expected '\(symbol)' \(context), found \(describe(current))", at: current.location)
        }
        return advance()
    }

    public mutating func expectIdentifier(_ what: String) throws -> Token {
        guard current.kind == .identifier else {
            throw Diagnostic("expected \(what), found \(describe(current))", at: current.location)
        }
        return advance()
    }

    public mutating func expectEnd(_ context: String) throws {
        guard atEnd else {
            throw Diagnostic("unexpected \(describe(current)) \(context)", at: current.location)
        }
    }

    /// How a token reads in an error message.
    public func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: return "end of input"
        case .string: return "string \(token.text)"
        case .builtin: return "'$\(token.text)'"
        default: return "'\(token.text)'"
        }
    }
}
