import TraceshModel
import TraceshKernel
import TraceshLanguage
import TraceshSemantics

/// Turns resolved expressions into bpftrace syntax. It reads only the resolved tree: what a
/// name is was decided by the semantic pass.
enum BpftraceEmitter {
    /// `entry`: where a return probe finds what its entry probe saved (see `EntryCapture`).
    static func emit(_ expression: ResolvedExpression, entry: EntryCapture? = nil) throws -> BpftraceExpr {
        switch expression.node {
        case .integer(let value): return .integer(value)
        case .string(let value): return .string(value)
        case .name(let name):
            guard let kernel = name.kernel else { throw notInKernel(expression) }
            return try read(kernel, entry: entry)
        case .readString(let pointer, _):
            // bpftrace 0.17's str() reads user memory for syscall arguments and uprobe
            // registers, kernel memory for other tracepoint pointers.
            return .call(.str, [try emit(pointer, entry: entry)])
        case .unary(let op, let operand): return .unary(op, try number(operand, entry: entry))
        case .binary(let op, let lhs, let rhs):
            if lhs.type == .string || rhs.type == .string { return .binary(op, try emit(lhs, entry: entry), try emit(rhs, entry: entry)) }
            return .binary(op, try number(lhs, entry: entry), try number(rhs, entry: entry))
        case .cast(let type, let operand): return .cast(type, try number(operand, entry: entry))
        case .call(.strcmp, let arguments) where arguments.count == 2:
            return .binary(.equal, try emit(arguments[1], entry: entry), try emit(arguments[0], entry: entry))
        case .call, .match:
            throw notInKernel(expression)
        }
    }

    /// How bpftrace reads a name.
    static func read(_ access: KernelAccess, entry: EntryCapture?) throws -> BpftraceExpr {
        switch access {
        case .builtin(let builtin): return .builtin(try BpftraceIdentifier(builtin))
        case .tracepointField(let field): return .field(try BpftraceIdentifier(field))
        case .dataLocString(let field): return .call(.str, [.field(try BpftraceIdentifier(field))])
        case .tracepointFieldElement(let field, let index): return .fieldElement(try BpftraceIdentifier(field), index)
        case .savedAtEntry(let saved):
            guard let map = entry?.map(for: saved) else { throw Diagnostic("internal error: no entry map for \(saved)", at: nil) }
            return .map(map, keys: [EntryCapture.tid])
        case .latency:
            guard let entry else { throw Diagnostic("internal error: latency without an entry probe", at: nil) }
            return entry.latency
        case .errno(let returnValue):
            // -ret when ret < 0, else 0 (bpftrace 0.17 has no conditional expression here).
            let value = try read(returnValue, entry: entry)
            return .binary(.multiply, .binary(.subtract, .integer(0), value), .binary(.less, value, .integer(0)))
        case .stack(let stack): return .stack(stack)
        case .stackCaller: return .variable(StackCodegen.callerVariable)
        case .constant(let value): return .integer(value)
        }
    }

    /// A value used as a number: a pointer becomes its address.
    static func number(_ expression: ResolvedExpression, entry: EntryCapture? = nil) throws -> BpftraceExpr {
        if case .stringPointer = expression.type { return .cast(.uint64, try emit(expression, entry: entry)) }
        return try emit(expression, entry: entry)
    }

    private static func notInKernel(_ expression: ResolvedExpression) -> Diagnostic {
        ExpressionResolver.kernelObstacle(expression) ?? Diagnostic("'\(expression)' cannot be evaluated in the kernel", at: expression.location)
    }
}
