import TraceshModel
import TraceshKernel
import TraceshLanguage
import TraceshSemantics

/// Turns resolved expressions into bpftrace syntax. It reads only the resolved tree: what a
/// name is was decided by the semantic pass.
enum BpftraceEmitter {
    static func emit(_ expression: ResolvedExpression) throws -> BpftraceExpr {
        switch expression.node {
        case .integer(let value): return .integer(value)
        case .string(let value): return .string(value)
        case .name(let name):
            switch name.kernel {
            case .builtin(let builtin)?: return .builtin(try BpftraceIdentifier(builtin))
            case .tracepointField(let field)?: return .field(try BpftraceIdentifier(field))
            case .dataLocString(let field)?: return .call(.str, [.field(try BpftraceIdentifier(field))])
            case .tracepointFieldElement(let field, let index)?: return .fieldElement(try BpftraceIdentifier(field), index)
            case .stack(let stack)?: return .stack(stack)
            case .stackCaller?: return .variable(StackCodegen.callerVariable)
            case nil: throw notInKernel(expression)
            }
        case .readString(let pointer, _):
            // bpftrace 0.17's str() reads user memory for syscall arguments and uprobe
            // registers, kernel memory for other tracepoint pointers.
            return .call(.str, [try emit(pointer)])
        case .unary(let op, let operand): return .unary(op, try number(operand))
        case .binary(let op, let lhs, let rhs):
            if lhs.type == .string || rhs.type == .string { return .binary(op, try emit(lhs), try emit(rhs)) }
            return .binary(op, try number(lhs), try number(rhs))
        case .cast(let type, let operand): return .cast(type, try number(operand))
        case .call(.strcmp, let arguments) where arguments.count == 2:
            return .binary(.equal, try emit(arguments[1]), try emit(arguments[0]))
        case .call, .match:
            throw notInKernel(expression)
        }
    }

    /// A value used as a number: a pointer becomes its address.
    static func number(_ expression: ResolvedExpression) throws -> BpftraceExpr {
        if case .stringPointer = expression.type { return .cast(.uint64, try emit(expression)) }
        return try emit(expression)
    }

    private static func notInKernel(_ expression: ResolvedExpression) -> Diagnostic {
        ExpressionResolver.kernelObstacle(expression) ?? Diagnostic("'\(expression)' cannot be evaluated in the kernel", at: expression.location)
    }
}
