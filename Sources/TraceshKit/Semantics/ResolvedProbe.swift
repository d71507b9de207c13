import TraceshModel
import TraceshKernel

/// A probe spec resolved against the running kernel: the bpftrace probes it attaches to and how
/// trace.py's names (`arg3`, `retval`) read there.
public struct ResolvedProbe: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case syscallEntry = "syscall entry tracepoint"
        case syscallExit = "syscall exit tracepoint"
        /// Several syscalls at once (`sys_*`, `t:syscalls:sys_enter_*`) through one
        /// `raw_syscalls:sys_enter` probe: attaching each syscall's own tracepoint is slow.
        case everySyscallEntry = "raw syscall entry tracepoint"
        case everySyscallExit = "raw syscall exit tracepoint"
        case tracepoint
        case uprobe
        case uretprobe
        case usdt = "USDT probe"
    }

    /// One bpftrace probe. A spec has several when one name covers several syscalls (`sys_open`).
    public struct Attachment: Hashable, Sendable {
        /// The bpftrace probe, e.g. `tracepoint:syscalls:sys_enter_read` or `uprobe:/lib/x.so:malloc`.
        public var probe: String
        /// The tracepoint's format (tracepoints and syscalls).
        public var format: TracepointFormat?
        /// For syscalls: the fields trace.py's arg1, arg2, ... name, in order.
        public var syscallArguments: [TracepointFormat.Field]
        /// For a raw_syscalls probe: the syscall numbers it keeps, ascending; nil keeps every one.
        public var syscallNumbers: [Int64]? = nil
        /// For a return probe: the probe that sees the same call's entry (`sys_enter_X` for
        /// `sys_exit_X`, the uprobe of a uretprobe), where entry values and the start time are saved.
        public var entryProbe: String? = nil
    }

    public var kind: Kind
    public var attachments: [Attachment]
    /// What the resolution chose, for a comment in `show bpftrace`.
    public var note: String

    /// `syscalls:sys_enter_openat` for the first attachment, without the `tracepoint:` prefix.
    public var resolvedName: String {
        let probe = attachments.first?.probe ?? ""
        return probe.hasPrefix("tracepoint:") ? String(probe.dropFirst("tracepoint:".count)) : probe
    }

    public var isSyscall: Bool { kind == .syscallEntry || kind == .syscallExit || isEverySyscall }
    /// One raw_syscalls probe standing for many syscalls; each event's syscall is `args->id`.
    public var isEverySyscall: Bool { kind == .everySyscallEntry || kind == .everySyscallExit }
    /// Each event names its own syscall, as a number the kernel gives (`args->id` on a
    /// raw_syscalls probe, `args->__syscall_nr` on each tracepoint of `sys_open`'s family):
    /// `function` is that syscall, not the spec's target.
    public var hasSyscallPerEvent: Bool { isEverySyscall || (isSyscall && attachments.count > 1) }
    /// The syscalls a probe on several syscall tracepoints covers (`open`, `openat`, `openat2`
    /// for `sys_open`); empty for one syscall or a raw_syscalls probe.
    public var familySyscalls: [String] {
        guard isSyscall, !isEverySyscall, attachments.count > 1 else { return [] }
        return attachments.map { String($0.probe.split(separator: ":").last ?? "").replacingOccurrences(of: kind == .syscallExit ? "sys_exit_" : "sys_enter_", with: "") }
    }
    public var isUserSpace: Bool { kind == .uprobe || kind == .uretprobe || kind == .usdt }
    /// How a user function's `retval` is read, said when its return probe is added: its C type
    /// is not known (tracesh reads no debug info), so the value is the whole 64-bit return
    /// register, and a function returning `int` leaves the upper half zero (-2 is 4294967294).
    public var returnValueNote: String? {
        guard kind == .uretprobe else { return nil }
        return "retval is the 64-bit return register (tracesh does not know a user function's C return type), so an int's -2 shows as 4294967294; write (int)retval for a function returning int ('%d' in a format already prints a C int)"
    }
    public var hasReturnValue: Bool { kind == .syscallExit || kind == .everySyscallExit || kind == .uretprobe }
}
