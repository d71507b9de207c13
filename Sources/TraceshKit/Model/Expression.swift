import Foundation

/// An expression in a filter, a spec predicate, an `agg` argument or key, or `events where`.
///
/// Equality ignores source locations, so a graph read back from a saved script equals the original.
public struct Expression: Hashable, Sendable, CustomStringConvertible {
    public indirect enum Kind: Hashable, Sendable {
        case integer(Int64)
        case string(String)
        /// A bare name: `pid`, `comm`, `arg3`, `retval`, `message`, ...
        case identifier(String)
        /// A trace.py built-in such as `$pid`, `$tgid`, `$uid`, `$gid`, `$cpu`, `$task` (name without `$`).
        case builtin(String)
        /// A tracepoint field, `args->NAME`.
        case field(String)
        /// `EXPR@user`: read a user-space string.
        case userString(Expression)
        case unary(UnaryOperator, Expression)
        case binary(BinaryOperator, Expression, Expression)
        case call(String, [Expression])
        /// `(TYPE)EXPR`
        case cast(String, Expression)
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation = .start) {
        self.kind = kind
        self.location = location
    }

    public static func == (a: Expression, b: Expression) -> Bool { a.kind == b.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    public var description: String { ExpressionPrinter.print(self) }

    /// Calls `visit` on this expression and every expression below it, parents first.
    public func forEach(_ visit: (Expression) throws -> Void) rethrows {
        try visit(self)
        switch kind {
        case .integer, .string, .identifier, .builtin, .field:
            break
        case .userString(let inner), .unary(_, let inner), .cast(_, let inner):
            try inner.forEach(visit)
        case .binary(_, let lhs, let rhs):
            try lhs.forEach(visit)
            try rhs.forEach(visit)
        case .call(_, let arguments):
            for argument in arguments { try argument.forEach(visit) }
        }
    }
}

public enum UnaryOperator: String, Hashable, Sendable {
    case not = "!"
    case negate = "-"
    case bitwiseNot = "~"
}

public enum BinaryOperator: String, Hashable, Sendable, CaseIterable {
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    /// Regular-expression match (user space only).
    case matches = "=~"
    case notMatches = "!~"
    case bitOr = "|"
    case bitXor = "^"
    case bitAnd = "&"
    case shiftLeft = "<<"
    case shiftRight = ">>"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"

    /// Binding strength; a higher number binds tighter (C's ordering).
    public var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .bitOr: return 3
        case .bitXor: return 4
        case .bitAnd: return 5
        case .equal, .notEqual, .matches, .notMatches: return 6
        case .less, .lessEqual, .greater, .greaterEqual: return 7
        case .shiftLeft, .shiftRight: return 8
        case .add, .subtract: return 9
        case .multiply, .divide, .remainder: return 10
        }
    }

    public var isComparison: Bool { precedence == 6 || precedence == 7 }
    public var isLogical: Bool { self == .and || self == .or }
}

/// Prints an expression back as tracesh source, with only the parentheses precedence needs.
public enum ExpressionPrinter {
    public static func print(_ expression: Expression) -> String {
        switch expression.kind {
        case .integer(let value): return String(value)
        case .string(let value): return quoted(value)
        case .identifier(let name): return name
        case .builtin(let name): return "$" + name
        case .field(let name): return "args->" + name
        case .userString(let inner): return postfixOperand(inner) + "@user"
        case .unary(let op, let inner):
            // `!~x` or `--x` would lex as other operators: a unary under a unary gets parentheses.
            if case .unary = inner.kind { return op.rawValue + "(" + print(inner) + ")" }
            return op.rawValue + operand(inner, above: 11)
        case .cast(let type, let inner): return "(\(type))" + operand(inner, above: 11)
        case .call(let name, let arguments):
            return name + "(" + arguments.map(print).joined(separator: ", ") + ")"
        case .binary(let op, let lhs, let rhs):
            return operand(lhs, above: op.precedence - 1) + " \(op.rawValue) " + operand(rhs, above: op.precedence)
        }
    }

    /// Prints the operand of `@user`, which binds tighter than any prefix operator.
    private static func postfixOperand(_ expression: Expression) -> String {
        switch expression.kind {
        case .binary, .unary, .cast: return "(" + print(expression) + ")"
        case .integer(let value) where value < 0: return "(" + print(expression) + ")"
        default: return print(expression)
        }
    }

    /// Prints `expression`, parenthesized unless it binds tighter than `level`.
    private static func operand(_ expression: Expression, above level: Int) -> String {
        let text = print(expression)
        switch expression.kind {
        case .binary(let op, _, _) where op.precedence <= level: return "(" + text + ")"
        default: return text
        }
    }

    /// A double-quoted string literal with C-style escapes that the tracesh lexer reads back exactly.
    public static func quoted(_ value: String) -> String {
        "\"" + ByteText.escapingControls(value, alsoEscaping: ["\"", "\\", "$"]) + "\""
    }
}
