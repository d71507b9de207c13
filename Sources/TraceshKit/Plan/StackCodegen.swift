import TraceshModel
import TraceshKernel
import TraceshSemantics

/// Code generation for call stacks (`ustack`, `kstack` as agg keys; `set stacks` on events).
///
/// Stacks are read in bpftrace's perf mode, which prints each frame's bare address first, so
/// tracesh names the frames itself (`StackNamer`) whether or not the process still lives. A
/// user stack's addresses mean something only in their process, so a map keyed by `ustack` is
/// keyed by `pid, ustack` in the kernel (the hidden pid comes just before the stack); rows that
/// name the same frames are merged after naming. The first event of each process whose user
/// stacks are read prints a `P` record, so tracesh reads its `/proc/PID/maps` while it lives.
enum StackCodegen {
    /// The map of processes already announced by a `P` record.
    static let seenMap = BpftraceIdentifier(known: "tracesh_seen")

    /// The probe's plan with the stacks of `set stacks` added to every event.
    static func withStackFields(_ plan: ProbePlan, _ stacks: StackEvents) -> ProbePlan {
        guard !stacks.stacks.isEmpty else { return plan }
        var plan = plan
        for stack in stacks.stacks {
            plan.fields.append(CompiledField(name: stack.fieldName, kind: .string))
            for index in plan.attachments.indices {
                plan.attachments[index].values.append(ExpressionResolver.stackValue(stack, at: .start))
            }
        }
        return plan
    }

    /// The stacks a resolved value list reads.
    static func stacks(in values: [ResolvedExpression]) -> [StackKey] {
        values.compactMap { value in
            if case .name(let name) = value.node, case .stack(let stack)? = name.kernel { return stack }
            return nil
        }
    }

    /// Map keys: each user stack preceded by `pid`.
    static func keys(_ keys: [ResolvedExpression]) throws -> [BpftraceExpr] {
        try keys.flatMap { key -> [BpftraceExpr] in
            let emitted = try BpftraceEmitter.emit(key)
            if case .stack(let stack) = emitted, stack.user { return [.builtin(BpftraceIdentifier(known: "pid")), emitted] }
            return [emitted]
        }
    }

    /// The map's printed key kinds and names with the hidden pids in place.
    static func map(name: String, _ plan: AggregationPlan) -> CompiledMap {
        var kinds: [CompiledField.Kind] = [], names: [IntegerKind] = []
        for (index, key) in plan.aggregation.keys.enumerated() {
            if let stack = StackKey(key), stack.user {
                kinds.append(.integer)
                names.append(.plain)
            }
            if index < plan.keyKinds.count { kinds.append(plan.keyKinds[index]) }
            names.append(index < plan.keyNames.count ? plan.keyNames[index] : .plain)
        }
        return CompiledMap(name: name, aggregation: plan.aggregation, keyKinds: kinds, keyNames: plan.keyNames.isEmpty ? [] : names)
    }

    /// Whether an attachment reads user stacks (so its processes' maps are wanted).
    static func readsUserStacks(_ plan: ProbePlan, _ attachment: AttachmentPlan, streams: Bool) -> Bool {
        (streams && stacks(in: attachment.values).contains(where: \.user))
            || attachment.aggregations.contains { stacks(in: $0.keys).contains(where: \.user) }
    }

    /// A block on the same attach point, under the same predicate, printing `P, pid` the first
    /// time a process passes it.
    static func firstSightProbe(attachPoint: String, predicate: [BpftraceExpr], framing: EventFraming) -> BpftraceProbe {
        let pid = BpftraceExpr.builtin(BpftraceIdentifier(known: "pid"))
        let seen = BpftraceExpr.map(seenMap, keys: [pid])
        return BpftraceProbe(attachPoint: attachPoint, predicate: predicate + [.unary(.not, seen)],
                             body: [.assign(seen, .integer(1)), .printf(framedFormat: framing.printfFormat(kind: .process, conversions: ["%d"]), [pid])])
    }

    /// `END`: the seen map is not printed.
    static func endStatements(_ program: BpftraceProgram) -> [BpftraceStatement] {
        program.probes.contains { $0.body.contains(.assign(.map(seenMap, keys: [.builtin(BpftraceIdentifier(known: "pid"))]), .integer(1))) }
            ? [.call(.call(.clear, [.map(seenMap, keys: [])]))] : []
    }
}
