/// An expression after the semantic pass: every name is one thing, every node has a type and
/// the places it can be evaluated. The bpftrace generator and the user-space evaluator read
/// only this tree; neither looks names up itself.
///
/// Equality ignores source locations, as `Expression`'s does.
public struct ResolvedExpression: Hashable, Sendable, CustomStringConvertible {
    public indirect enum Node: Hashable, Sendable {
        case integer(Int64)
        case string(String)
        case name(ResolvedName)
        /// Reads the NUL-terminated string a pointer points at (`@user`, or `%s` of a `char *`).
        case readString(ResolvedExpression, StringMemory)
        case unary(UnaryOperator, ResolvedExpression)
        /// Arithmetic, comparison or logic; string operands only for comparisons.
        case binary(BinaryOperator, ResolvedExpression, ResolvedExpression)
        /// `(TYPE)EXPR`: truncates and sign- or zero-extends the value as C does.
        case cast(IntegerType, ResolvedExpression)
        case call(StringFunction, [ResolvedExpression])
        /// `=~` (or `!~` when `negated`) against a regular expression given as a literal.
        case match(ResolvedExpression, pattern: String, negated: Bool)
    }

    public var node: Node
    public var type: ValueType
    /// Where this value can be computed: both, or only one of the kernel and user space.
    public var placement: Placement
    public var location: SourceLocation

    public init(_ node: Node, type: ValueType, placement: Placement, at location: SourceLocation) {
        self.node = node
        self.type = type
        self.placement = placement
        self.location = location
    }

    public static func == (a: ResolvedExpression, b: ResolvedExpression) -> Bool {
        a.node == b.node && a.type == b.type && a.placement == b.placement
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(node) }

    public var description: String {
        switch node {
        case .integer(let value): return String(value)
        case .string(let value): return ExpressionPrinter.quoted(value)
        case .name(let name): return name.spelling
        case .readString(let inner, _): return "(\(inner))@user"
        case .unary(let op, let inner): return "\(op.rawValue)(\(inner))"
        case .binary(let op, let lhs, let rhs): return "(\(lhs) \(op.rawValue) \(rhs))"
        case .cast(let type, let inner): return "(\(type.cName))(\(inner))"
        case .call(let function, let arguments): return function.rawValue + "(" + arguments.map(\.description).joined(separator: ", ") + ")"
        case .match(let subject, let pattern, let negated): return "(\(subject) \(negated ? "!~" : "=~") \(ExpressionPrinter.quoted(pattern)))"
        }
    }

    /// Calls `visit` on this node and every node below it, parents first.
    public func forEach(_ visit: (ResolvedExpression) throws -> Void) rethrows {
        try visit(self)
        switch node {
        case .integer, .string, .name: break
        case .readString(let inner, _), .unary(_, let inner), .cast(_, let inner), .match(let inner, _, _): try inner.forEach(visit)
        case .binary(_, let lhs, let rhs):
            try lhs.forEach(visit)
            try rhs.forEach(visit)
        case .call(_, let arguments): for argument in arguments { try argument.forEach(visit) }
        }
    }

    /// What an integer value names (part of its type): a name's own kind, kept through a cast;
    /// arithmetic makes a plain number.
    public var integerKind: IntegerKind {
        guard type == .integer else { return .plain }
        switch node {
        case .name(let name): return name.integerKind
        case .cast(_, let inner): return inner.integerKind
        default: return .plain
        }
    }

    /// Every name this expression reads, in order of appearance, without repeats.
    public var names: [ResolvedName] {
        var found: [ResolvedName] = []
        forEach { node in
            if case .name(let name) = node.node, !found.contains(name) { found.append(name) }
        }
        return found
    }
}

/// What a value is, as far as comparison, printing and bpftrace's types care.
public enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case integer
    /// A string value: `comm`, a `char[N]` field, a string read from memory, a literal.
    case string
    /// A `char *`: an address; reading it gives a string from kernel or user memory.
    case stringPointer(StringMemory)

    public var isString: Bool { self == .string }

    public var description: String {
        switch self {
        case .integer: return "integer"
        case .string: return "string"
        case .stringPointer(.user): return "user-space char *"
        case .stringPointer(.kernel): return "kernel char *"
        }
    }
}

/// The address space a `char *` points into (bpftrace 0.17's `str()` reads both for syscall
/// arguments; for other probes, kernel pointers are read from kernel memory).
public enum StringMemory: Hashable, Sendable {
    case kernel
    case user
}

/// Where a value can be computed.
public struct Placement: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// In the bpftrace program (a predicate, a map key, a printf argument).
    public static let kernel = Placement(rawValue: 1)
    /// On events in tracesh (user-space filters, `events where`).
    public static let userSpace = Placement(rawValue: 2)
    public static let both: Placement = [.kernel, .userSpace]

    public var description: String {
        switch self {
        case .both: return "kernel and user space"
        case .kernel: return "kernel only"
        case .userSpace: return "user space only"
        default: return "nowhere"
        }
    }
}

/// One name after resolution: what it means, how the kernel reads it, and under which key an
/// event carries it to user space.
public struct ResolvedName: Hashable, Sendable {
    public enum Meaning: Hashable, Sendable {
        /// A value every event has: pid, tid, uid, gid, cpu, comm, the task pointer.
        case builtin(EventBuiltin)
        /// trace.py's 1-based argument number.
        case argument(Int)
        /// A tracepoint field by name.
        case field(String)
        /// The return value of a return probe.
        case returnValue
        /// The formatted message (user space only).
        case message
        /// The probe's session name (user space only).
        case probeName
        /// The traced function as the user named it (user space only).
        case function
        /// A return probe's call duration in nanoseconds (entry to return).
        case latency
        /// A syscall return probe's error number: `-retval` when negative, else 0.
        case errno
    }

    public var meaning: Meaning
    /// How the user spelled it (`arg3`, `args->filename`, `$pid`), for messages.
    public var spelling: String
    /// How bpftrace reads it; nil when the kernel cannot.
    public var kernel: KernelAccess?
    /// The `raw_args` name an event carries it under, for names that are not event builtins.
    public var captureKey: String?
    /// What the number names, when it names something (a syscall, a signal, an errno).
    public var integerKind: IntegerKind

    public init(meaning: Meaning, spelling: String, kernel: KernelAccess?, captureKey: String?, integerKind: IntegerKind = .plain) {
        self.meaning = meaning
        self.spelling = spelling
        self.kernel = kernel
        self.captureKey = captureKey
        self.integerKind = integerKind
    }
}

/// A value every event carries in its record header.
public enum EventBuiltin: String, Hashable, Sendable, CaseIterable {
    /// The process id (bpftrace's `pid`, trace.py's `$tgid`).
    case pid
    /// The thread id (bpftrace's `tid`, trace.py's `$pid`).
    case tid
    case uid
    case gid
    case cpu
    case comm
    /// The kernel's `task_struct` address (bpftrace's `curtask`); not in the record header.
    case task
}

/// How bpftrace reads a name.
public enum KernelAccess: Hashable, Sendable {
    /// A bpftrace builtin variable (`pid`, `comm`, `curtask`, `retval`, `arg0`).
    case builtin(String)
    /// `args->NAME`
    case tracepointField(String)
    /// `str(args->NAME)` of a `__data_loc char[]` field.
    case dataLocString(String)
    /// `args->NAME[INDEX]`: one element of an array field (raw_syscalls' `args`).
    case tracepointFieldElement(String, Int)
    /// `ustack(perf)`, `kstack(perf, N)`: a stack as bare addresses (tracesh names the frames).
    case stack(StackKey)
    /// The return address into the function that made the call the probe sees, which
    /// frame-pointer unwinding skips when the callee keeps no frame pointer (see `StackCodegen`).
    case stackCaller
    /// A value the call's entry probe read and saved for its return probe (an entry argument
    /// read at return); the planner adds the entry probe and the map, keyed by thread.
    indirect case savedAtEntry(KernelAccess)
    /// The time since the call's entry (`nsecs` minus the entry's saved `nsecs`).
    case latency
    /// The error number of a syscall return value: `-ret` when `ret` is negative, else 0.
    indirect case errno(of: KernelAccess)
    /// A number fixed for the attachment the code is for (the syscall of one of `sys_open`'s
    /// tracepoints): a literal, which an event record carries in its format string.
    case constant(Int64)
}

/// The integer types a cast may name, with C's widths and signedness.
public enum IntegerType: String, Hashable, Sendable, CaseIterable {
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64

    public var bits: Int {
        switch self {
        case .int8, .uint8: return 8
        case .int16, .uint16: return 16
        case .int32, .uint32: return 32
        case .int64, .uint64: return 64
        }
    }

    public var isSigned: Bool { rawValue.hasPrefix("int") }
    /// bpftrace's spelling of the type.
    public var bpftraceName: String { rawValue }
    public var cName: String { rawValue + "_t" }

    /// C's conversion of `value` to this type, the result widened back to 64 bits.
    public func convert(_ value: Int64) -> Int64 {
        guard bits < 64 else { return value }
        let mask: UInt64 = (1 << UInt64(bits)) - 1
        let truncated = UInt64(bitPattern: value) & mask
        if isSigned, truncated & (1 << UInt64(bits - 1)) != 0 { return Int64(bitPattern: truncated | ~mask) }
        return Int64(bitPattern: truncated)
    }
}

/// The string functions expressions may call.
public enum StringFunction: String, Hashable, Sendable, CaseIterable {
    /// `STRCMP("literal", expr)`: trace.py's equality test, true when equal (also in the kernel).
    case strcmp = "STRCMP"
    case contains
    case startswith
    case endswith
}

extension IntegerType {
    /// The C spellings a cast may use (`int`, `unsigned long`, `u32`, `size_t`, ...).
    public static let cNames: [String: IntegerType] = [
        "int": .int32, "signed": .int32, "unsigned": .uint32, "unsigned int": .uint32, "signed int": .int32,
        "long": .int64, "long int": .int64, "unsigned long": .uint64, "long long": .int64, "unsigned long long": .uint64,
        "short": .int16, "unsigned short": .uint16, "char": .int8, "signed char": .int8, "unsigned char": .uint8,
        "u8": .uint8, "u16": .uint16, "u32": .uint32, "u64": .uint64, "s8": .int8, "s16": .int16, "s32": .int32, "s64": .int64,
        "int8_t": .int8, "int16_t": .int16, "int32_t": .int32, "int64_t": .int64,
        "uint8_t": .uint8, "uint16_t": .uint16, "uint32_t": .uint32, "uint64_t": .uint64,
        "size_t": .uint64, "ssize_t": .int64, "pid_t": .int32, "uid_t": .uint32, "gid_t": .uint32,
    ]

    public init?(cName: String) {
        guard let type = Self.cNames[cName] else { return nil }
        self = type
    }
}
