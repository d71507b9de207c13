import Foundation

/// Evaluates filter expressions on events in user space: the one code path behind user-space
/// filters of a run and `events ... where EXPR`.
///
/// Names: pid (process), tid, uid, cpu, comm, message, probe (its name), function, arg1..arg6,
/// retval and tracepoint fields from the event's raw args; `$pid` is the thread id and `$tgid` the
/// process id as in trace.py. Functions: contains(s, sub), startswith(s, p), endswith(s, p),
/// STRCMP("lit", s). `=~` and `!~` match POSIX-style regular expressions (NSRegularExpression).
public final class EventEvaluator: @unchecked Sendable {
    public enum Value: Equatable {
        case integer(Int64)
        case bytes([UInt8])
        case missing

        var truth: Bool {
            switch self {
            case .integer(let value): return value != 0
            case .bytes(let bytes): return !bytes.isEmpty
            case .missing: return false
            }
        }
    }

    private let probes: [CompiledProbe]
    // Compiled regular expressions by pattern; only touched by the thread evaluating.
    private var regexes: [String: NSRegularExpression] = [:]

    public init(probes: [CompiledProbe]) {
        self.probes = probes
    }

    /// Checks an expression once, before any event, so mistakes are reported where they were typed.
    public static func check(_ expression: Expression) throws {
        try expression.forEach { node in
            switch node.kind {
            case .identifier(let name):
                let known = ["pid", "tid", "uid", "gid", "cpu", "comm", "message", "probe", "function", "retval"]
                guard known.contains(name) || SpecParser.argumentNumber(name) != nil else {
                    throw Diagnostic("unknown name '\(name)'" + Suggestions.didYouMean(name, in: known) + "; events have " + known.joined(separator: ", ") + ", arg1..arg6 and tracepoint fields (args->NAME)", at: node.location)
                }
            case .call(let name, let arguments):
                let arity = ["contains": 2, "startswith": 2, "endswith": 2, "STRCMP": 2]
                guard let expected = arity[name] else {
                    throw Diagnostic("unknown function '\(name)'" + Suggestions.didYouMean(name, in: Array(arity.keys)) + "; available: contains, startswith, endswith, STRCMP", at: node.location)
                }
                guard arguments.count == expected else {
                    throw Diagnostic("'\(name)' takes \(expected) arguments", at: node.location)
                }
            case .binary(let op, _, let rhs) where op == .matches || op == .notMatches:
                guard case .string(let pattern) = rhs.kind else {
                    throw Diagnostic("the right side of '\(op.rawValue)' must be a string literal (a regular expression)", at: rhs.location)
                }
                do { _ = try NSRegularExpression(pattern: pattern) } catch {
                    throw Diagnostic("invalid regular expression \(ExpressionPrinter.quoted(pattern))", at: rhs.location)
                }
            default:
                break
            }
        }
    }

    public func matches(_ event: TraceEvent, _ expression: Expression) -> Bool {
        evaluate(expression, event).truth
    }

    public func evaluate(_ expression: Expression, _ event: TraceEvent) -> Value {
        switch expression.kind {
        case .integer(let value): return .integer(value)
        case .string(let value): return .bytes(Array(value.utf8))
        case .identifier(let name): return lookup(name, event)
        case .builtin(let name):
            switch name {
            case "pid": return .integer(event.tid)
            case "tgid": return .integer(event.pid)
            case "comm": return .bytes(event.comm)
            default: return lookup(name, event)
            }
        case .field(let name): return lookup(name, event)
        case .userString(let inner): return evaluate(inner, event)
        case .cast(_, let inner): return evaluate(inner, event)
        case .unary(let op, let inner):
            let value = evaluate(inner, event)
            switch op {
            case .not: return .integer(value.truth ? 0 : 1)
            case .negate: if case .integer(let number) = value { return .integer(0 &- number) }
            case .bitwiseNot: if case .integer(let number) = value { return .integer(~number) }
            }
            return .missing
        case .call(let name, let arguments):
            let values = arguments.map { evaluate($0, event) }
            guard values.count == 2, case .bytes(let a) = values[name == "STRCMP" ? 1 : 0], case .bytes(let b) = values[name == "STRCMP" ? 0 : 1] else {
                return .integer(0)
            }
            switch name {
            case "contains": return .integer(b.isEmpty || Self.find(b, in: a) ? 1 : 0)
            case "startswith": return .integer(a.starts(with: b) ? 1 : 0)
            case "endswith": return .integer(a.reversed().starts(with: b.reversed()) ? 1 : 0)
            case "STRCMP": return .integer(a == b ? 1 : 0)
            default: return .integer(0)
            }
        case .binary(let op, let lhs, let rhs):
            if op == .and { return .integer(evaluate(lhs, event).truth && evaluate(rhs, event).truth ? 1 : 0) }
            if op == .or { return .integer(evaluate(lhs, event).truth || evaluate(rhs, event).truth ? 1 : 0) }
            let left = evaluate(lhs, event), right = evaluate(rhs, event)
            if op == .matches || op == .notMatches {
                guard case .bytes(let subject) = left, case .string(let pattern) = rhs.kind else { return .integer(0) }
                let found = regex(pattern).map { regex in
                    let text = ByteText.decode(subject)
                    return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                } ?? false
                return .integer(found == (op == .matches) ? 1 : 0)
            }
            return Self.binary(op, left, right)
        }
    }

    private func lookup(_ name: String, _ event: TraceEvent) -> Value {
        switch name {
        case "pid": return .integer(event.pid)
        case "tid": return .integer(event.tid)
        case "uid": return .integer(event.uid)
        case "cpu": return .integer(event.cpu)
        case "comm": return .bytes(event.comm)
        case "message": return .bytes(event.message)
        case "probe": return event.probeIndex < probes.count ? .bytes(Array(probes[event.probeIndex].name.utf8)) : .missing
        case "function": return event.probeIndex < probes.count ? .bytes(Array(probes[event.probeIndex].function.utf8)) : .missing
        default:
            switch event.value(named: name) {
            case .integer(let value): return .integer(value)
            case .bytes(let bytes): return .bytes(bytes)
            case nil: return .missing
            }
        }
    }

    private func regex(_ pattern: String) -> NSRegularExpression? {
        if let cached = regexes[pattern] { return cached }
        let compiled = try? NSRegularExpression(pattern: pattern)
        regexes[pattern] = compiled
        return compiled
    }

    static func binary(_ op: BinaryOperator, _ left: Value, _ right: Value) -> Value {
        switch (left, right) {
        case (.integer(let a), .integer(let b)):
            switch op {
            case .equal: return .integer(a == b ? 1 : 0)
            case .notEqual: return .integer(a != b ? 1 : 0)
            case .less: return .integer(a < b ? 1 : 0)
            case .lessEqual: return .integer(a <= b ? 1 : 0)
            case .greater: return .integer(a > b ? 1 : 0)
            case .greaterEqual: return .integer(a >= b ? 1 : 0)
            case .bitOr: return .integer(a | b)
            case .bitXor: return .integer(a ^ b)
            case .bitAnd: return .integer(a & b)
            case .shiftLeft: return .integer(a << (b & 63))
            case .shiftRight: return .integer(a >> (b & 63))
            case .add: return .integer(a &+ b)
            case .subtract: return .integer(a &- b)
            case .multiply: return .integer(a &* b)
            case .divide: return b == 0 ? .missing : .integer(a / b)
            case .remainder: return b == 0 ? .missing : .integer(a % b)
            default: return .missing
            }
        case (.bytes(let a), .bytes(let b)):
            switch op {
            case .equal: return .integer(a == b ? 1 : 0)
            case .notEqual: return .integer(a != b ? 1 : 0)
            case .less: return .integer(a.lexicographicallyPrecedes(b) ? 1 : 0)
            case .greater: return .integer(b.lexicographicallyPrecedes(a) ? 1 : 0)
            case .lessEqual: return .integer(!b.lexicographicallyPrecedes(a) ? 1 : 0)
            case .greaterEqual: return .integer(!a.lexicographicallyPrecedes(b) ? 1 : 0)
            default: return .missing
            }
        default:
            // Comparing a missing value or mixed kinds is false; != is true.
            return .integer(op == .notEqual ? 1 : 0)
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        EventScanner.find(needle, in: haystack, from: 0) != nil
    }
}
