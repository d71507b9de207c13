import TraceshModel
import TraceshFiles

/// Recursive-descent parser for expressions: filters, predicates, `agg` arguments and keys.
///
/// Grammar (C precedence): `||` < `&&` < `|` < `^` < `&` < `== != =~ !~` < `< <= > >=` < `<< >>`
/// < `+ -` < `* / %` < unary `! - ~` and casts < postfix `@user` < primary.
public enum ExpressionParser {
    /// Words that make up the type names casts accept (`(int)retval`, `(unsigned long)arg1`).
    public static let castTypes: Set<String> = Set(IntegerType.cNames.keys.flatMap { $0.split(separator: " ").map(String.init) })

    /// Parses all of `text` as one expression.
    public static func parse(_ text: LocatedText) throws -> Expression {
        var stream = try TokenStream(lexing: text)
        guard !stream.atEnd else { throw Diagnostic("expected an expression", at: text.endLocation) }
        let expression = try parse(&stream)
        try stream.expectEnd("after the expression")
        return expression
    }

    /// Parses one expression from the stream, leaving what follows it.
    public static func parse(_ stream: inout TokenStream) throws -> Expression {
        try binary(&stream, minimum: 1)
    }

    private static func binaryOperator(_ token: Token) -> BinaryOperator? {
        guard token.kind == .symbol else { return nil }
        return BinaryOperator(rawValue: token.text)
    }

    private static func binary(_ stream: inout TokenStream, minimum: Int) throws -> Expression {
        var lhs = try unary(&stream)
        while let op = binaryOperator(stream.current), op.precedence >= minimum {
            let token = stream.advance()
            guard !stream.atEnd else {
                throw Diagnostic("expected an expression after '\(op.rawValue)'", at: stream.current.location)
            }
            let rhs = try binary(&stream, minimum: op.precedence + 1)
            lhs = Expression(.binary(op, lhs, rhs), at: token.location)
        }
        return lhs
    }

    /// Parentheses, unary operators and casts nest at most this deep: each level is a few
    /// recursive calls, and thousands of `(` from a request overflowed the stack (scripts/fuzz agent).
    public static let maximumNesting = 200

    private static func unary(_ stream: inout TokenStream) throws -> Expression {
        let token = stream.current
        guard stream.nesting < maximumNesting else {
            throw Diagnostic("the expression nests deeper than \(maximumNesting) levels", at: token.location)
        }
        stream.nesting += 1
        defer { stream.nesting -= 1 }
        for op in [UnaryOperator.not, .negate, .bitwiseNot] where token.isSymbol(op.rawValue) {
            stream.advance()
            let operand = try unary(&stream)
            if op == .negate, case .integer(let value) = operand.kind {
                return Expression(.integer(0 &- value), at: token.location)
            }
            return Expression(.unary(op, operand), at: token.location)
        }
        if token.isSymbol("("), let type = castType(stream) {
            for _ in 0..<type.tokenCount { stream.advance() }
            let operand = try unary(&stream)
            return Expression(.cast(type.name, operand), at: token.location)
        }
        return try postfix(&stream)
    }

    /// When the stream is at `( TYPE... )`, the cast's type and how many tokens it spans.
    private static func castType(_ stream: TokenStream) -> (name: String, tokenCount: Int)? {
        var words: [String] = []
        var ahead = 1
        while true {
            let token = stream.peek(ahead)
            if token.kind == .identifier && castTypes.contains(token.text) {
                words.append(token.text)
            } else if token.isSymbol("*") && !words.isEmpty {
                words.append("*")
            } else {
                break
            }
            ahead += 1
        }
        guard !words.isEmpty, stream.peek(ahead).isSymbol(")") else { return nil }
        let name = words.joined(separator: " ").replacingStarSpacing()
        return (name, ahead + 1)
    }

    private static func postfix(_ stream: inout TokenStream) throws -> Expression {
        var expression = try primary(&stream)
        while stream.current.isSymbol("@") {
            let at = stream.advance()
            let word = stream.current
            guard word.isIdentifier("user") else {
                throw Diagnostic("expected 'user' after '@' (as in 'arg2@user')", at: word.location)
            }
            stream.advance()
            expression = Expression(.userString(expression), at: at.location)
        }
        return expression
    }

    private static func primary(_ stream: inout TokenStream) throws -> Expression {
        let token = stream.current
        switch token.kind {
        case .integer(let value):
            stream.advance()
            return Expression(.integer(value), at: token.location)
        case .string(let value):
            stream.advance()
            return Expression(.string(value), at: token.location)
        case .builtin:
            stream.advance()
            return Expression(.builtin(token.text), at: token.location)
        case .identifier:
            stream.advance()
            // `args->NAME`, or bpftrace's newer `args.NAME`.
            if token.text == "args" && (stream.accept("->") || stream.accept(".")) {
                let field = try stream.expectIdentifier("a tracepoint field name after 'args->'")
                return Expression(.field(field.text), at: token.location)
            }
            if stream.current.isSymbol("(") {
                let open = stream.advance()
                var arguments: [Expression] = []
                if !stream.current.isSymbol(")") {
                    repeat { arguments.append(try parse(&stream)) } while stream.accept(",")
                }
                guard stream.accept(")") else {
                    throw Diagnostic("expected ')' to close the call to '\(token.text)' opened at \(open.location), found \(stream.describe(stream.current))", at: stream.current.location)
                }
                return Expression(.call(token.text, arguments), at: token.location)
            }
            return Expression(.identifier(token.text), at: token.location)
        case .symbol where token.text == "(":
            stream.advance()
            let inner = try parse(&stream)
            guard stream.accept(")") else {
                throw Diagnostic("expected ')' to close the '(' opened at \(token.location), found \(stream.describe(stream.current))", at: stream.current.location)
            }
            return inner
        case .end:
            throw Diagnostic("expected an expression", at: token.location)
        default:
            throw Diagnostic("expected an expression, found \(stream.describe(token))", at: token.location)
        }
    }
}

extension String {
    /// `char *` -> `char*`, so printed casts read back the same.
    fileprivate func replacingStarSpacing() -> String {
        var result = ""
        for character in self {
            if character == "*" && result.last == " " { result.removeLast() }
            result.append(character)
        }
        return result
    }
}
