import TraceshModel
import TraceshKernel
import TraceshSemantics

/// What a return probe needs from its call's entry: entry arguments (`arg2` at `r::sys_openat`)
/// and the start time (`latency`). bpftrace 0.17 sees only the return value at return, so the
/// program gains an entry probe (`sys_enter_X` for `sys_exit_X`, the uprobe of a uretprobe) that
/// saves each value in a map keyed by thread id, one map per value
/// (`@tracesh_entry_<probe>_<n>`, `..._start` for the time), as opensnoop does.
///
/// The return probe reads the maps and deletes its thread's entries whether or not its
/// conditions hold (they move from its predicate into an `if`), so a finished call leaves
/// nothing behind. A thread that dies inside the call (exit, exec of another thread, a kill)
/// never returns: `tracepoint:sched:sched_process_exit`, which fires for every exiting thread,
/// deletes its entries. What is left when the run ends is cleared in END. Each map is also
/// bounded by bpftrace's map size (`BPFTRACE_MAP_KEYS_MAX`, 4096 keys in 0.17): a full map
/// refuses new threads' entries, it does not grow.
///
/// One entry per thread: a function that calls itself (recursion through a uretprobe'd
/// function) keeps only its innermost call's entry, so the outer returns find none and are left
/// out (or carry latency 0), never paired with the wrong call's values.
///
/// A user string named at return (`arg2@user`) is read at return from the saved pointer: the
/// kernel has paged it in by then, where a read at entry can come back empty.
struct EntryCapture {
    /// The entry's `nsecs`; also the sign that the entry was seen.
    let start: BpftraceIdentifier
    /// Each saved value: how the entry probe reads it, and its map.
    let saved: [(access: KernelAccess, map: BpftraceIdentifier)]
    /// Whether the return probe runs only for calls whose entry it saw: when it reads entry
    /// values, or filters or aggregates on latency. (A latency only carried in events is 0 for
    /// a call that began before the run.)
    let requiresEntry: Bool
    /// Whether the return probe uses `latency` (computed once, first thing, into `$latency`).
    let usesLatency: Bool

    /// The capture a return probe needs for the expressions it emits, or nil when it reads
    /// nothing from its entry.
    static func plan(_ probe: ProbePlan, probeIndex: Int, streams: Bool) -> EntryCapture? {
        guard probe.probe.resolved.hasReturnValue, probe.attachments.allSatisfy({ $0.attachment.entryProbe != nil }) else { return nil }
        var conditions: [ResolvedExpression] = []
        var values: [ResolvedExpression] = []
        for attachment in probe.attachments {
            conditions += attachment.predicates
            for (_, argument, keys) in attachment.aggregations { conditions += (argument.map { [$0] } ?? []) + keys }
            if streams { values += attachment.values }
        }
        var accesses: [KernelAccess] = []
        var usesLatency = false
        var latencyGuarded = false
        for (expression, guarded) in conditions.map({ ($0, true) }) + values.map({ ($0, false) }) {
            for name in expression.names {
                switch name.kernel {
                case .savedAtEntry(let access)? where !accesses.contains(access): accesses.append(access)
                case .latency?:
                    usesLatency = true
                    latencyGuarded = latencyGuarded || guarded
                default: break
                }
            }
        }
        guard usesLatency || !accesses.isEmpty else { return nil }
        let name = probe.probe.declaration.name
        let stem = (try? BpftraceIdentifier("tracesh_entry_\(name)_start")) != nil ? "tracesh_entry_\(name)" : "tracesh_entry_p\(probeIndex)"
        return EntryCapture(start: BpftraceIdentifier(known: stem + "_start"),
                            saved: accesses.enumerated().map { ($0.element, BpftraceIdentifier(known: stem + "_\($0.offset + 1)")) },
                            requiresEntry: !accesses.isEmpty || latencyGuarded, usesLatency: usesLatency)
    }

    static let tid = BpftraceExpr.builtin(BpftraceIdentifier(known: "tid"))
    static let nsecs = BpftraceExpr.builtin(BpftraceIdentifier(known: "nsecs"))

    var maps: [BpftraceIdentifier] { [start] + saved.map(\.map) }

    /// The map a saved value is read from at return.
    func map(for access: KernelAccess) -> BpftraceIdentifier? { saved.first { $0.access == access }?.map }

    static let latencyVariable = BpftraceIdentifier(known: "latency")

    /// `latency` as the return probe reads it: `$latency`, set first thing in the probe.
    var latency: BpftraceExpr { .variable(Self.latencyVariable) }

    /// The time since the entry; 0 when the entry was not seen and the probe does not require it.
    var elapsed: BpftraceExpr {
        let startTime = BpftraceExpr.map(start, keys: [Self.tid])
        let elapsed = BpftraceExpr.binary(.subtract, Self.nsecs, startTime)
        return requiresEntry ? elapsed : .binary(.multiply, elapsed, .binary(.notEqual, startTime, .integer(0)))
    }

    /// The entry probe of one return attachment: saves the start time and every value, under
    /// the return probe's scope (the traced processes), not its conditions.
    func entryProbe(_ attachment: ResolvedProbe.Attachment, scope: [BpftraceExpr]) throws -> BpftraceProbe? {
        guard let entry = attachment.entryProbe else { return nil }
        var body: [BpftraceStatement] = [.assign(.map(start, keys: [Self.tid]), Self.nsecs)]
        for (access, map) in saved {
            body.append(.assign(.map(map, keys: [Self.tid]), try BpftraceEmitter.read(access, entry: nil)))
        }
        return BpftraceProbe(attachPoint: entry, predicate: scope, body: body)
    }

    /// The return probe: its scope (and, when required, the seen entry) as the predicate; its
    /// conditions as an `if` around its work; then its thread's entries deleted.
    func returnProbe(attachPoint: String, scope: [BpftraceExpr], conditions: [BpftraceExpr], body: [BpftraceStatement]) -> BpftraceProbe {
        let predicate = scope + (requiresEntry ? [.map(start, keys: [Self.tid])] : [])
        var statements = body
        if let first = conditions.first {
            statements = [.ifElse(conditions.dropFirst().reduce(first) { .binary(.and, $0, $1) }, then: body, else: [])]
        }
        // Measured once, before the probe's own work (a printf takes microseconds).
        if usesLatency { statements.insert(.assign(latency, elapsed), at: 0) }
        return BpftraceProbe(attachPoint: attachPoint, predicate: predicate, body: statements + deletes)
    }

    /// `delete(@map[tid])` for each map.
    var deletes: [BpftraceStatement] {
        maps.map { .call(.call(.delete, [.map($0, keys: [Self.tid])])) }
    }

    /// The probe deleting the entries of a thread that exits inside a call.
    static func exitCleanup(_ captures: [EntryCapture]) -> BpftraceProbe {
        BpftraceProbe(attachPoint: "tracepoint:sched:sched_process_exit", predicate: [], body: captures.flatMap(\.deletes))
    }
}
