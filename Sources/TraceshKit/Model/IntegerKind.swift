/// What an integer value stands for, when it names something: part of a resolved expression's
/// type, so every output can print the name (`openat`, `SIGKILL`, `ENOENT`) instead of the
/// number without any renderer knowing where the number came from.
public enum IntegerKind: String, Hashable, Sendable, CaseIterable {
    /// A plain number.
    case plain
    /// A syscall number (`args->id` of raw_syscalls; `function` on an every-syscall probe).
    case syscall
    /// A signal number (`args->sig`).
    case signal
    /// A syscall's return value: negative values are `-errno`.
    case errno
    /// An error number itself (`errno`): positive values print by name, 0 (no error) as `-`.
    case errnoCode
}
