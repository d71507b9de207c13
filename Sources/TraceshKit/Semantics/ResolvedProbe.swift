import TraceshModel
import TraceshKernel

/// A probe spec resolved against the running kernel: the bpftrace probes it attaches to and how
/// trace.py's names (`arg3`, `retval`) read there.
public struct ResolvedProbe: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case syscallEntry = "syscall entry tracepoint"
        case syscallExit = "syscall exit tracepoint"
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

    public var isSyscall: Bool { kind == .syscallEntry || kind == .syscallExit }
    public var isUserSpace: Bool { kind == .uprobe || kind == .uretprobe || kind == .usdt }
    public var hasReturnValue: Bool { kind == .syscallExit || kind == .uretprobe }
}
