import Foundation
import TraceshModel
import TraceshKernel
import TraceshSemantics

/// Evaluates resolved conditions on events in user space: the one code path behind user-space
/// filters of a run and `events ... where EXPR`. Names were resolved by the semantic pass
/// (against the values each probe's events carry); this type only reads them.
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
    /// Names of syscall numbers, for `function` on an every-syscall probe.
    private let names: ValueNames
    // Compiled regular expressions by pattern; only touched by the thread evaluating.
    private var regexes: [String: NSRegularExpression] = [:]

    public init(probes: [CompiledProbe], names: ValueNames = .none) {
        self.probes = probes
        self.names = names
    }

    /// Resolves `condition` for each probe's events (what they carry); a name a probe lacks or
    /// a type mistake is a located error naming the probe.
    public static func resolve(_ condition: Expression, probes: [CompiledProbe]) throws -> [ResolvedExpression] {
        try probes.map { probe in
            do {
                return try ExpressionResolver(scope: CapturedScope(probe: probe)).condition(condition)
            } catch let diagnostic as Diagnostic {
                throw probes.count > 1 ? Diagnostic("probe '\(probe.name)': \(diagnostic.message)", at: diagnostic.location) : diagnostic
            }
        }
    }

    public func matches(_ event: TraceEvent, _ condition: ResolvedExpression) -> Bool {
        evaluate(condition, event).truth
    }

    public func evaluate(_ expression: ResolvedExpression, _ event: TraceEvent) -> Value {
        switch expression.node {
        case .integer(let value): return .integer(value)
        case .string(let value): return .bytes(Array(value.utf8))
        case .name(let name): return lookup(name, event)
        // Strings were read in the kernel and captured; the captured value is the string.
        case .readString(let inner, _): return evaluate(inner, event)
        case .cast(let type, let inner):
            guard case .integer(let value) = evaluate(inner, event) else { return .missing }
            return .integer(type.convert(value))
        case .unary(let op, let inner):
            let value = evaluate(inner, event)
            switch op {
            case .not: return .integer(value.truth ? 0 : 1)
            case .negate: if case .integer(let number) = value { return .integer(0 &- number) }
            case .bitwiseNot: if case .integer(let number) = value { return .integer(~number) }
            }
            return .missing
        case .call(let function, let arguments):
            let values = arguments.map { evaluate($0, event) }
            guard values.count == 2, case .bytes(let a) = values[function == .strcmp ? 1 : 0], case .bytes(let b) = values[function == .strcmp ? 0 : 1] else {
                return .integer(0)
            }
            switch function {
            case .contains: return .integer(b.isEmpty || Self.find(b, in: a) ? 1 : 0)
            case .startswith: return .integer(a.starts(with: b) ? 1 : 0)
            case .endswith: return .integer(a.reversed().starts(with: b.reversed()) ? 1 : 0)
            case .strcmp: return .integer(a == b ? 1 : 0)
            }
        case .match(let subject, let pattern, let negated):
            guard case .bytes(let bytes) = evaluate(subject, event) else { return .integer(0) }
            let found = regex(pattern).map { regex in
                let text = ByteText.decode(bytes)
                return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            } ?? false
            return .integer(found != negated ? 1 : 0)
        case .binary(let op, let lhs, let rhs):
            if op == .and { return .integer(evaluate(lhs, event).truth && evaluate(rhs, event).truth ? 1 : 0) }
            if op == .or { return .integer(evaluate(lhs, event).truth || evaluate(rhs, event).truth ? 1 : 0) }
            return Self.binary(op, evaluate(lhs, event), evaluate(rhs, event))
        }
    }

    private func lookup(_ name: ResolvedName, _ event: TraceEvent) -> Value {
        switch name.meaning {
        case .builtin(.pid): return .integer(event.pid)
        case .builtin(.tid): return .integer(event.tid)
        case .builtin(.uid): return .integer(event.uid)
        case .builtin(.gid): return .integer(event.gid)
        case .builtin(.cpu): return .integer(event.cpu)
        case .builtin(.comm): return .bytes(event.comm)
        case .builtin(.task): return .missing
        case .message: return .bytes(event.message)
        case .probeName: return event.probeIndex < probes.count ? .bytes(Array(probes[event.probeIndex].name.utf8)) : .missing
        case .function:
            guard event.probeIndex < probes.count else { return .missing }
            let probe = probes[event.probeIndex]
            // An every-syscall probe's events carry their syscall's number.
            if let key = probe.functionKey, case .integer(let number)? = event.value(named: key), let name = names.name(of: number, as: .syscall) {
                return .bytes(Array(name.utf8))
            }
            return .bytes(Array(probe.function.utf8))
        case .errno:
            // Computed from the captured return value, as the kernel computes it.
            guard case .integer(let value)? = name.captureKey.flatMap(event.value(named:)) else { return .missing }
            return .integer(value < 0 && value > Int64.min ? -value : 0)
        case .argument, .field, .returnValue, .latency:
            switch name.captureKey.flatMap(event.value(named:)) {
            case .integer(let value)?: return .integer(value)
            case .bytes(let bytes)?: return .bytes(bytes)
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
            // Int64.min / -1 does not fit: wrapped, as bpftrace's own arithmetic does, not a trap.
            case .divide: return b == 0 ? .missing : .integer(a.dividedReportingOverflow(by: b).partialValue)
            case .remainder: return b == 0 ? .missing : .integer(a.remainderReportingOverflow(dividingBy: b).partialValue)
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
        ByteFields.find(needle, in: haystack, from: 0) != nil
    }
}
