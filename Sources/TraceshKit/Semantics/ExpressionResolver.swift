import Foundation
import TraceshModel
import TraceshKernel

/// The semantic pass over one expression in one probe (the role of bpftrace's
/// SemanticAnalyser, or a Lox Resolver): decides what each name is, once, from `NameTable` and
/// the probe's `NameScope`, types every node and marks where it can be evaluated.
public struct ExpressionResolver {
    public let scope: NameScope

    public init(scope: NameScope) { self.scope = scope }

    /// bpftrace 0.17's longest string literal: 64 bytes with the NUL, whatever BPFTRACE_STRLEN says.
    public static let maximumKernelStringLength = 63

    private var checksTypes: Bool { !(scope is UnboundScope) }

    /// A condition (filter, predicate, `events where`): a number, whose truth selects events.
    public func condition(_ expression: Expression) throws -> ResolvedExpression {
        let resolved = try resolve(expression)
        try requireNumber(resolved, expression)
        return resolved
    }

    /// A condition or value that must run in the kernel (a spec's predicate, an `agg` key).
    public func kernel(_ expression: Expression, condition: Bool) throws -> ResolvedExpression {
        let resolved = condition ? try self.condition(expression) : try resolve(expression)
        if let obstacle = Self.kernelObstacle(resolved) { throw obstacle }
        return resolved
    }

    public func resolve(_ expression: Expression) throws -> ResolvedExpression {
        let location = expression.location
        func node(_ node: ResolvedExpression.Node, _ type: ValueType, _ placement: Placement) -> ResolvedExpression {
            ResolvedExpression(node, type: type, placement: placement, at: location)
        }
        if StackKey.isStackName(expression) { throw Self.misplacedStack(expression) }
        switch expression.kind {
        case .integer(let value):
            return node(.integer(value), .integer, .both)
        case .string(let value):
            let fitsKernel = value.utf8.count <= Self.maximumKernelStringLength
            return node(.string(value), .string, fitsKernel ? .both : .userSpace)
        case .identifier(let name):
            return try identifier(name, at: location)
        case .builtin(let name):
            guard let entry = NameTable.dollarEntry(name) else {
                throw Diagnostic("unknown built-in '$\(name)'; expected one of " + NameTable.dollar.map(\.spelling).sorted().joined(separator: ", "), at: location)
            }
            return fixed(entry, at: location)
        case .field(let name):
            let (resolved, type) = try scope.field(name, spelling: "args->" + name, at: location)
            return node(.name(resolved), type, namePlacement)
        case .userString(let inner):
            if let captured = scope as? CapturedScope, let key = Self.nameKey(inner), let (resolved, type) = captured.userString(key) {
                return node(.name(resolved), type, .userSpace)
            }
            let pointer = try resolve(inner)
            if case .name(let name) = pointer.node { try scope.checkStringRead(of: name, at: inner.location) }
            switch pointer.type {
            case .string: return pointer
            case .stringPointer, .integer:
                // A named pointer travels to user space as its string; another address cannot.
                let isName: Bool = { if case .name = pointer.node { return true } else { return false } }()
                return node(.readString(pointer, .user), .string, isName ? pointer.placement : pointer.placement.intersection(.kernel))
            }
        case .unary(let op, let inner):
            let operand = try resolve(inner)
            try requireNumber(operand, inner)
            return node(.unary(op, operand), .integer, operand.placement)
        case .cast(let typeName, let inner):
            guard let type = IntegerType(cName: typeName) else {
                throw Diagnostic("cannot cast to '\(typeName)'; casts name integer types such as int, unsigned long, u32 (read strings with argN@user)", at: location)
            }
            let operand = try resolve(inner)
            try requireNumber(operand, inner)
            return node(.cast(type, operand), .integer, operand.placement)
        case .call(let name, let arguments):
            return try call(name, arguments, at: location)
        case .binary(let op, let lhs, let rhs):
            return try binary(op, lhs, rhs, at: location)
        }
    }

    /// Names in a kernel scope can travel to user space (the compiler captures them); after a
    /// run, only user space is left.
    private var namePlacement: Placement { scope.inKernel ? .both : .userSpace }

    private func fixed(_ entry: NameTable.Entry, at location: SourceLocation) -> ResolvedExpression {
        switch entry.fixed {
        case .builtin(let builtin, let kernel)?:
            let name = ResolvedName(meaning: .builtin(builtin), spelling: entry.spelling, kernel: .builtin(kernel), captureKey: nil)
            // `$task` is not in the record header: it exists only in the kernel.
            let placement: Placement = builtin == .task ? .kernel.intersection(scope.inKernel ? .both : []) : namePlacement
            return ResolvedExpression(.name(name), type: builtin == .comm ? .string : .integer, placement: placement, at: location)
        case .userSpace(let meaning, let type)?:
            let name = ResolvedName(meaning: meaning, spelling: entry.spelling, kernel: nil, captureKey: nil)
            return ResolvedExpression(.name(name), type: type, placement: .userSpace, at: location)
        case nil:
            preconditionFailure("probe-dependent names are resolved by the scope")
        }
    }

    private func identifier(_ name: String, at location: SourceLocation) throws -> ResolvedExpression {
        if let entry = NameTable.plainEntry(name) {
            // On a syscall wildcard the function is each event's syscall, read in the kernel.
            if case .userSpace(.function, _)? = entry.fixed, let resolved = scope.function(at: location) {
                return ResolvedExpression(.name(resolved), type: .integer, placement: namePlacement, at: location)
            }
            return fixed(entry, at: location)
        }
        if let returnName = NameTable.ReturnName(rawValue: name) {
            let (resolved, type) = switch returnName {
            case .retval: try scope.returnValue(at: location)
            case .latency: try scope.latency(at: location)
            case .errno: try scope.errorNumber(at: location)
            }
            return ResolvedExpression(.name(resolved), type: type, placement: namePlacement, at: location)
        }
        if let number = NameTable.argumentNumber(name) {
            guard (1...6).contains(number) else {
                throw Diagnostic("'\(name)' is out of range: arguments are arg1 to arg6", at: location)
            }
            let (resolved, type) = try scope.argument(number, spelling: name, at: location)
            return ResolvedExpression(.name(resolved), type: type, placement: namePlacement, at: location)
        }
        let fields = scope.extraNames.map { "args->" + $0 }
        let known = NameTable.bareNames + fields
        let spell: (String) -> String = { scope.extraNames.contains($0) ? "args->" + $0 : $0 }
        let candidates = NameTable.bareNames + scope.extraNames
        let close = Suggestions.closest(to: name, in: candidates).map(spell)
        // Nothing within a typo's distance: still name the nearest few.
        let nearest = candidates.map { ($0, Suggestions.editDistance(name.lowercased(), $0.lowercased())) }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map { spell($0.0) }
        let hint = close.isEmpty ? "; closest known names: " + nearest.joined(separator: ", ")
                                 : "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?"
        throw Diagnostic("unknown name '\(name)' on \(scope.probeLabel)\(hint) (known names: \(known.joined(separator: ", ")); 'help expressions' describes them)", at: location)
    }

    private func call(_ name: String, _ arguments: [Expression], at location: SourceLocation) throws -> ResolvedExpression {
        guard let function = StringFunction(rawValue: name) else {
            throw Diagnostic("unknown function '\(name)'" + Suggestions.didYouMean(name, in: StringFunction.allCases.map(\.rawValue))
                             + "; available: " + StringFunction.allCases.map(\.rawValue).joined(separator: ", "), at: location)
        }
        guard arguments.count == 2 else { throw Diagnostic("'\(name)' takes 2 arguments", at: location) }
        if function == .strcmp, case .string = arguments[0].kind {} else if function == .strcmp {
            throw Diagnostic("STRCMP takes a string literal and an expression: STRCMP(\"bash\", comm)", at: location)
        }
        let resolved = try arguments.map { try string(resolve($0), $0) }
        let placement = resolved.reduce(function == .strcmp ? Placement.both : .userSpace) { $0.intersection($1.placement) }
        return ResolvedExpression(.call(function, resolved), type: .integer, placement: placement, at: location)
    }

    private func binary(_ op: BinaryOperator, _ lhs: Expression, _ rhs: Expression, at location: SourceLocation) throws -> ResolvedExpression {
        var left = try resolve(lhs)
        if op == .matches || op == .notMatches {
            guard case .string(let pattern) = rhs.kind else {
                throw Diagnostic("the right side of '\(op.rawValue)' must be a string literal (a regular expression)", at: rhs.location)
            }
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw Diagnostic("invalid regular expression \(ExpressionPrinter.quoted(pattern))", at: rhs.location)
            }
            let subject = try string(left, lhs)
            return ResolvedExpression(.match(subject, pattern: pattern, negated: op == .notMatches), type: .integer,
                                      placement: subject.placement.intersection(.userSpace), at: location)
        }
        var right = try resolve(rhs)
        if op == .equal || op == .notEqual {
            if let number = try syscallLiteral(right, comparedWith: left) { right = number }
            if let number = try syscallLiteral(left, comparedWith: right) { left = number }
            if let number = try errnoLiteral(right, comparedWith: left) { right = number }
            if let number = try errnoLiteral(left, comparedWith: right) { left = number }
        }
        var placement = left.placement.intersection(right.placement)
        if op.isComparison && (left.type == .string || right.type == .string) {
            guard left.type != .integer && right.type != .integer || !checksTypes else {
                throw Diagnostic("cannot compare the string '\(left.type == .string ? lhs : rhs)' with the number '\(left.type == .string ? rhs : lhs)'", at: location)
            }
            let a = try string(left, lhs), b = try string(right, rhs)
            placement = a.placement.intersection(b.placement)
            // bpftrace 0.17 orders no strings; tracesh does, on events.
            if op != .equal && op != .notEqual { placement.remove(.kernel) }
            return ResolvedExpression(.binary(op, a, b), type: .integer, placement: placement, at: location)
        }
        try requireNumber(left, lhs)
        try requireNumber(right, rhs)
        return ResolvedExpression(.binary(op, left, right), type: .integer, placement: placement, at: location)
    }

    /// `"read"` compared with a syscall number (`function` on an every-syscall probe) is that
    /// syscall's number, so the comparison runs in the kernel on `args->id`.
    private func syscallLiteral(_ value: ResolvedExpression, comparedWith other: ResolvedExpression) throws -> ResolvedExpression? {
        guard other.integerKind == .syscall, other.type == .integer, case .string(let name) = value.node else { return nil }
        guard let number = scope.syscallNumber(name) else {
            throw Diagnostic("no syscall '\(name)' with a known number (\(SyscallTable.defaultHeader))", at: value.location)
        }
        return ResolvedExpression(.integer(number), type: .integer, placement: .both, at: value.location)
    }

    /// `"ENOENT"` compared with `errno` is that error's number, known when the program is compiled.
    private func errnoLiteral(_ value: ResolvedExpression, comparedWith other: ResolvedExpression) throws -> ResolvedExpression? {
        guard other.integerKind == .errnoCode, other.type == .integer, case .string(let name) = value.node else { return nil }
        guard let number = ErrnoNames.system.first(where: { $0.value == name })?.key else {
            let close = Suggestions.closest(to: name, in: Array(Set(ErrnoNames.system.values)))
            throw Diagnostic("no error named '\(name)' (\(ErrnoNames.defaultHeaders.joined(separator: ", ")))"
                             + (close.isEmpty ? "" : "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?"), at: value.location)
        }
        return ResolvedExpression(.integer(number), type: .integer, placement: .both, at: value.location)
    }

    /// A value used as a string: a pointer is read (from the memory its type says).
    private func string(_ value: ResolvedExpression, _ source: Expression) throws -> ResolvedExpression {
        switch value.type {
        case .string: return value
        case .stringPointer(let memory):
            return ResolvedExpression(.readString(value, memory), type: .string, placement: value.placement, at: value.location)
        case .integer:
            guard checksTypes else { return value }
            throw Diagnostic("'\(source)' is a number; a string is needed here", at: source.location)
        }
    }

    private func requireNumber(_ value: ResolvedExpression, _ source: Expression) throws {
        guard checksTypes, value.type == .string else { return }
        throw Diagnostic("'\(source)' is a string; a number is needed here", at: source.location)
    }

    /// `arg2` for `arg2`, `filename` for `args->filename`: the key a captured value goes by.
    static func nameKey(_ expression: Expression) -> String? {
        switch expression.kind {
        case .identifier(let name) where NameTable.argumentNumber(name) != nil || NameTable.ReturnName(rawValue: name) == .retval: return name
        case .field(let name): return name
        default: return nil
        }
    }

    /// Why `resolved` cannot run in the kernel (the innermost node that cannot), or nil.
    public static func kernelObstacle(_ resolved: ResolvedExpression) -> Diagnostic? {
        var obstacle: Diagnostic?
        resolved.forEach { node in
            guard obstacle == nil, !node.placement.contains(.kernel) else { return }
            switch node.node {
            case .string(let value):
                obstacle = Diagnostic("string literal is \(value.utf8.count) bytes; bpftrace 0.17 compares strings of at most \(maximumKernelStringLength) bytes in the kernel (filter on a shorter part, e.g. the file name's directory, or use =~ which runs in user space)", at: node.location)
            case .name(let name):
                obstacle = Diagnostic("'\(name.spelling)' exists in user space only (the event as tracesh sees it); it cannot be used in the kernel", at: node.location)
            case .match(_, _, let negated):
                obstacle = Diagnostic("'\(negated ? "!~" : "=~")' (regular expressions) runs in user space, not in the kernel", at: node.location)
            case .call(let function, _):
                obstacle = Diagnostic("'\(function.rawValue)' runs in user space; in the kernel only STRCMP(\"literal\", expr) is available", at: node.location)
            case .binary(let op, let lhs, let rhs) where lhs.placement.contains(.kernel) && rhs.placement.contains(.kernel):
                obstacle = Diagnostic("strings can only be compared with == and != in the kernel ('\(op.rawValue)' runs in user space)", at: node.location)
            default:
                break
            }
        }
        return obstacle
    }
}

extension CapturedScope {
    /// A string captured for `NAME@user` under `NAME@user` (when `NAME` itself went as a number).
    func userString(_ key: String) -> (ResolvedName, ValueType)? {
        guard let field = probe.fields.first(where: { $0.name == key + "@user" }), field.kind == .string else { return nil }
        return (ResolvedName(meaning: .field(key), spelling: key + "@user", kernel: nil, captureKey: field.name), .string)
    }
}
