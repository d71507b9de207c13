/// The one table of names expressions may use. The resolver reads it to decide what a name is;
/// `help expressions` and the README's table are printed from it, so nothing about a name is
/// written twice.
public enum NameTable {
    /// One row: how a name is written, what it means, its type and where it can be evaluated.
    public struct Entry: Sendable {
        /// As the user writes it (`pid`, `$tgid`, `arg1..arg6`, `args->FIELD`).
        public var spelling: String
        public var type: String
        public var placement: Placement
        public var summary: String
        /// What the name resolves to when it does not depend on the probe.
        public var fixed: Fixed?

        public enum Fixed: Sendable {
            case builtin(EventBuiltin, kernel: String)
            case userSpace(ResolvedName.Meaning, ValueType)
        }
    }

    /// Bare names that mean the same on every probe.
    public static let plain: [Entry] = [
        Entry(spelling: "pid", type: "integer", placement: .both, summary: "process id (thread group id)", fixed: .builtin(.pid, kernel: "pid")),
        Entry(spelling: "tid", type: "integer", placement: .both, summary: "thread id", fixed: .builtin(.tid, kernel: "tid")),
        Entry(spelling: "uid", type: "integer", placement: .both, summary: "user id", fixed: .builtin(.uid, kernel: "uid")),
        Entry(spelling: "gid", type: "integer", placement: .both, summary: "group id", fixed: .builtin(.gid, kernel: "gid")),
        Entry(spelling: "cpu", type: "integer", placement: .both, summary: "CPU the event happened on", fixed: .builtin(.cpu, kernel: "cpu")),
        Entry(spelling: "comm", type: "string", placement: .both, summary: "command name (15 bytes at most)", fixed: .builtin(.comm, kernel: "comm")),
        Entry(spelling: "message", type: "string", placement: .userSpace, summary: "the probe's formatted output", fixed: .userSpace(.message, .string)),
        Entry(spelling: "probe", type: "string", placement: .userSpace, summary: "the probe's name in the session (o, p1, ...)", fixed: .userSpace(.probeName, .string)),
        Entry(spelling: "function", type: "string", placement: .userSpace, summary: "the traced function or event as the spec names it; on a syscall wildcard, each event's syscall", fixed: .userSpace(.function, .string)),
    ]

    /// trace.py's `$` built-ins; `$pid` is the thread id and `$tgid` the process id, as in trace.py.
    public static let dollar: [Entry] = [
        Entry(spelling: "$pid", type: "integer", placement: .both, summary: "thread id (trace.py's meaning)", fixed: .builtin(.tid, kernel: "tid")),
        Entry(spelling: "$tgid", type: "integer", placement: .both, summary: "process id", fixed: .builtin(.pid, kernel: "pid")),
        Entry(spelling: "$uid", type: "integer", placement: .both, summary: "user id", fixed: .builtin(.uid, kernel: "uid")),
        Entry(spelling: "$gid", type: "integer", placement: .both, summary: "group id", fixed: .builtin(.gid, kernel: "gid")),
        Entry(spelling: "$cpu", type: "integer", placement: .both, summary: "CPU", fixed: .builtin(.cpu, kernel: "cpu")),
        Entry(spelling: "$comm", type: "string", placement: .both, summary: "command name", fixed: .builtin(.comm, kernel: "comm")),
        Entry(spelling: "$task", type: "integer", placement: .kernel, summary: "address of the kernel's task_struct", fixed: .builtin(.task, kernel: "curtask")),
    ]

    /// The names a return probe gives, one case each (the resolver switches over them).
    public enum ReturnName: String, CaseIterable, Sendable {
        case retval, latency, errno
    }

    /// Names whose meaning depends on the probe.
    public static let probeDependent: [Entry] = [
        Entry(spelling: "arg1..arg6", type: "integer or char *", placement: .both,
              summary: "trace.py's arguments, from 1: a syscall's parameters (the tracepoint's fields after __syscall_nr), a uprobe's registers; on a return probe, the call's entry arguments (saved at entry by thread; a string is read at return)"),
        Entry(spelling: "args->FIELD", type: "the field's C type", placement: .both,
              summary: "a tracepoint or syscall field (bpftrace's args.FIELD too)"),
        Entry(spelling: ReturnName.retval.rawValue, type: "integer", placement: .both, summary: "the return value; return probes only (a syscall's -errno prints by name as an agg key)"),
        Entry(spelling: ReturnName.latency.rawValue, type: "integer", placement: .both,
              summary: "return probes: ns from the call's entry to its return (0 in events of a call that began before the run; filters and aggregations on it leave those out)"),
        Entry(spelling: ReturnName.errno.rawValue, type: "integer", placement: .both,
              summary: "syscall return probes: the error number, -retval when retval < 0, else 0; prints by name (ENOENT; '-' for 0) as an agg key, compares with \"ENOENT\"; 'agg count by errno' counts successes under '-' (filter retval < 0 for failures only)"),
    ]

    /// Call stacks, unwound by bpftrace (frame pointers), named by tracesh (see `StackKey`).
    public static let stacks: [Entry] = [
        Entry(spelling: "ustack", type: "stack", placement: .kernel,
              summary: "the user-space call stack (frame pointers; a library built without them ends it early), as an agg key; frames named by tracesh"),
        Entry(spelling: "kstack", type: "stack", placement: .kernel, summary: "the kernel call stack, as an agg key; frames named from /proc/kallsyms"),
        Entry(spelling: "ustack(N)", type: "stack", placement: .kernel, summary: "the innermost N frames (1 to 127) of ustack; kstack(N) likewise"),
    ]

    public static var all: [Entry] { plain + dollar + probeDependent + stacks }

    /// Bare names, for "did you mean" (argN spelled out).
    public static var bareNames: [String] { plain.map(\.spelling) + (1...6).map { "arg\($0)" } + ReturnName.allCases.map(\.rawValue) }

    /// trace.py's `$` names without the `$`.
    public static var dollarNames: Set<String> { Set(dollar.map { String($0.spelling.dropFirst()) }) }

    public static func plainEntry(_ name: String) -> Entry? { plain.first { $0.spelling == name } }
    public static func dollarEntry(_ name: String) -> Entry? { dollar.first { $0.spelling == "$" + name } }

    /// `arg3` -> 3; nil for other names.
    public static func argumentNumber(_ name: String) -> Int? {
        guard name.hasPrefix("arg"), name.count > 3, name.dropFirst(3).allSatisfy(\.isNumber) else { return nil }
        return Int(name.dropFirst(3))
    }

    /// The table as text lines (`help expressions`, README).
    public static var helpLines: [String] {
        let width = all.map(\.spelling.count).max() ?? 0
        let typeWidth = all.map(\.type.count).max() ?? 0
        return all.map { entry in
            "  " + entry.spelling.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                + entry.type.padding(toLength: typeWidth + 2, withPad: " ", startingAt: 0)
                + "[\(entry.placement)] " + entry.summary
        }
    }
}
