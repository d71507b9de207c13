/// The names of numbers a run may print by name: syscalls, signals and errno values, read from
/// the machine's headers when the program was compiled (see `Kernel/SyscallTable`).
public struct ValueNames: Hashable, Sendable {
    public var syscalls: [Int64: String]
    public var signals: [Int64: String]
    public var errnos: [Int64: String]

    public init(syscalls: [Int64: String] = [:], signals: [Int64: String] = [:], errnos: [Int64: String] = [:]) {
        self.syscalls = syscalls
        self.signals = signals
        self.errnos = errnos
    }

    public static let none = ValueNames()

    public var isEmpty: Bool { syscalls.isEmpty && signals.isEmpty && errnos.isEmpty }

    /// The name `value` has as `kind`, or nil when it keeps its number: a syscall with no known
    /// name is `syscall_N` (the kernel may have more than the header names), a return value
    /// names its errno only when negative (`-2` -> `ENOENT`).
    public func name(of value: Int64, as kind: IntegerKind) -> String? {
        switch kind {
        case .plain: return nil
        case .syscall: return syscalls[value] ?? "syscall_\(value)"
        case .signal: return signals[value]
        case .errno: return value < 0 && value > Int64.min ? errnos[-value] : nil
        case .errnoCode: return value == 0 ? "-" : errnos[value]
        }
    }

    /// `value` as a key or field shows it: the name when it has one, else the number.
    public func display(_ value: TraceValue, as kind: IntegerKind) -> TraceValue {
        guard case .integer(let number) = value, let name = name(of: number, as: kind) else { return value }
        return .bytes(Array(name.utf8))
    }
}
