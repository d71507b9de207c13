import TraceshModel

extension ExpressionResolver {
    /// `ustack`, `kstack(N)` as an aggregation key: read in the kernel as bare addresses
    /// (bpftrace's perf mode), named by tracesh after the run (`StackNamer`).
    public static func stackKey(_ expression: Expression) throws -> ResolvedExpression {
        guard let stack = StackKey(expression) else {
            throw Diagnostic("'\(expression)': a stack takes one number, its depth: ustack, ustack(5), kstack(10)", at: expression.location)
        }
        if let problem = stack.problem { throw Diagnostic(problem, at: expression.location) }
        return stackValue(stack, at: expression.location)
    }

    /// The kernel value of `stack` (an agg key or an event field).
    public static func stackValue(_ stack: StackKey, at location: SourceLocation) -> ResolvedExpression {
        let name = ResolvedName(meaning: .field(stack.fieldName), spelling: stack.spelling, kernel: .stack(stack), captureKey: stack.fieldName)
        return ResolvedExpression(.name(name), type: .string, placement: .kernel, at: location)
    }

    /// A stack anywhere but as a whole `agg` key.
    static func misplacedStack(_ expression: Expression) -> Diagnostic {
        Diagnostic("'\(expression)' is a call stack: use it as an agg key ('agg count by ustack') or add stacks to events with 'set stacks user'", at: expression.location)
    }
}
