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
///
/// Frame-pointer unwinding skips one frame when the function the probe stops in keeps no frame
/// pointer (glibc's syscall wrappers; any function at a uprobe's entry): the chain goes on from
/// its caller's frame record, so the caller itself is lost (`main -> outer -> inner -> openat`
/// unwinds as `openat, outer, main`). A user stack is therefore keyed with that caller too
/// (`$tracesh_caller`, 0 when not found), which tracesh puts back when the chain lacks it:
/// - at a uprobe's entry it is the word at the stack pointer;
/// - elsewhere (a tracepoint, a syscall), from the user registers the kernel saved on entry
///   (`task_pt_regs`: the top of the task's 16 KiB kernel stack), the first of the 24 words
///   above the user stack pointer that is the return address of a direct `call` (0xe8) whose
///   target starts at most 64 KiB before the user instruction pointer: a call into the function
///   that made the system call. A stale word left by an older call cannot pass that test unless
///   it called the same function. Words that cannot be code (small numbers, addresses within
///   1 MiB of the stack pointer, non-canonical values such as the stack canary) are not read
///   through: a read of an unmapped address faults, which cost about 20 us an event.
enum StackCodegen {
    /// Set by `callerStatements`.
    static let callerVariable = BpftraceIdentifier(known: "tracesh_caller")
    /// The event field carrying it, before `ustack`.
    static let callerField = "ustack_caller"

    /// Computes `$tracesh_caller` at the start of a probe reading user stacks (constant text).
    static func callerStatements(_ kind: ResolvedProbe.Kind) -> [BpftraceStatement] {
        switch kind {
        case .uprobe:
            return [.constant("$tracesh_caller = *(uint64 *)uptr(reg(\"sp\"));")]
        case .uretprobe, .usdt:
            return [.constant("$tracesh_caller = (uint64)0;")]
        default:
            return [.constant("""
                $tracesh_regs = (struct pt_regs *)((uint64)curtask->stack + 16384 - sizeof(struct pt_regs));
                $tracesh_sp = $tracesh_regs->sp;
                $tracesh_ip = $tracesh_regs->ip;
                $tracesh_caller = (uint64)0;
                $tracesh_i = (uint64)0;
                unroll(24) {
                  $tracesh_word = *(uint64 *)uptr($tracesh_sp + $tracesh_i * 8);
                  if ($tracesh_caller == 0 && $tracesh_word > 0x10000 && $tracesh_word < 0x800000000000 && ($tracesh_word < $tracesh_sp - 0x100000 || $tracesh_word > $tracesh_sp + 0x100000)) {
                    if (*(uint8 *)uptr($tracesh_word - 5) == 0xe8) {
                      $tracesh_target = $tracesh_word + (uint64)*(int32 *)uptr($tracesh_word - 4);
                      if ($tracesh_target <= $tracesh_ip && $tracesh_ip - $tracesh_target < 65536) { $tracesh_caller = $tracesh_word; }
                    }
                  }
                  $tracesh_i = $tracesh_i + 1;
                }
                """)]
        }
    }

    /// What a probe body starts with: the caller recovery when the attachment reads user stacks.
    static func prologue(_ plan: ProbePlan, _ attachment: AttachmentPlan, streams: Bool) -> [BpftraceStatement] {
        readsUserStacks(plan, attachment, streams: streams) ? callerStatements(plan.probe.resolved.kind) : []
    }

    /// The map of processes already announced by a `P` record.
    static let seenMap = BpftraceIdentifier(known: "tracesh_seen")

    /// The probe's plan with the stacks of `set stacks` added to every event.
    static func withStackFields(_ plan: ProbePlan, _ stacks: StackEvents) -> ProbePlan {
        guard !stacks.stacks.isEmpty else { return plan }
        var plan = plan
        for stack in stacks.stacks {
            if stack.user { plan.fields.append(CompiledField(name: callerField, kind: .integer)) }
            plan.fields.append(CompiledField(name: stack.fieldName, kind: .string))
            for index in plan.attachments.indices {
                if stack.user {
                    let caller = ResolvedName(meaning: .field(callerField), spelling: callerField, kernel: .stackCaller, captureKey: callerField)
                    plan.attachments[index].values.append(ResolvedExpression(.name(caller), type: .integer, placement: .kernel, at: .start))
                }
                plan.attachments[index].values.append(ExpressionResolver.stackValue(stack, at: .start))
            }
        }
        return plan
    }

    /// The stacks a resolved value list reads (streamed fields, or keys).
    static func stacks(in values: [ResolvedExpression]) -> [StackKey] {
        values.compactMap { value in
            if case .name(let name) = value.node, case .stack(let stack)? = name.kernel { return stack }
            return nil
        }
    }

    /// Map keys: each user stack preceded by `pid` and the caller.
    static func keys(_ keys: [ResolvedExpression], entry: EntryCapture? = nil) throws -> [BpftraceExpr] {
        try keys.flatMap { key -> [BpftraceExpr] in
            let emitted = try BpftraceEmitter.emit(key, entry: entry)
            if case .stack(let stack) = emitted, stack.user { return [.builtin(BpftraceIdentifier(known: "pid")), .variable(callerVariable), emitted] }
            return [emitted]
        }
    }

    /// The map's printed key kinds and names with the hidden pids in place.
    static func map(name: String, _ plan: AggregationPlan, fromEventCounts: EventCountDerivation? = nil) -> CompiledMap {
        var kinds: [CompiledField.Kind] = [], names: [IntegerKind] = []
        for (index, key) in plan.aggregation.keys.enumerated() {
            if let stack = StackKey(key), stack.user {
                kinds += [.integer, .integer]
                names += [.plain, .plain]
            }
            if index < plan.keyKinds.count { kinds.append(plan.keyKinds[index]) }
            names.append(index < plan.keyNames.count ? plan.keyNames[index] : .plain)
        }
        return CompiledMap(name: name, aggregation: plan.aggregation, keyKinds: kinds, keyNames: plan.keyNames.isEmpty ? [] : names,
                           fromEventCounts: fromEventCounts)
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

    /// Whether a probe of `program` prints the `P` record of a process's first sight.
    static func announcesProcesses(_ program: BpftraceProgram) -> Bool {
        program.probes.contains { assigns(seenMap, key: "pid", in: $0) }
    }

    /// Whether `probe` sets `@map[key] = 1`.
    private static func assigns(_ map: BpftraceIdentifier, key: String, in probe: BpftraceProbe) -> Bool {
        probe.body.contains(.assign(.map(map, keys: [.builtin(BpftraceIdentifier(known: key))]), .integer(1)))
    }

    /// The maps an `mmap` of code keeps from its entry to its return, by thread: fd, offset, length.
    static let mappingMaps = ["tracesh_mmap_fd", "tracesh_mmap_offset", "tracesh_mmap_length"].map { BpftraceIdentifier(known: $0) }

    /// Probes that report the code each process in `scope` maps, when it maps it: an exec's
    /// executable and dynamic loader (`N`), each executable `mmap` of a file (`L`), so tracesh
    /// names a short-lived command's frames after it is gone (see `KernelMapping`). A probe
    /// whose tracepoint the kernel lacks is left out.
    static func mappingProbes(scope: [BpftraceExpr], framing: EventFraming, catalog: KernelCatalog) -> [BpftraceProbe] {
        var probes: [BpftraceProbe] = []
        if catalog.hasTracepoint("sched:sched_process_exec") {
            // AT_BASE (7) is among the first auxv entries the kernel writes; the search is
            // unrolled because bpftrace indexes arrays with constants only.
            let search = (0..<16).map { "  if ($tracesh_base == 0 && $tracesh_mm->saved_auxv[\($0 * 2)] == 7) { $tracesh_base = $tracesh_mm->saved_auxv[\($0 * 2 + 1)]; }" }
            probes.append(BpftraceProbe(attachPoint: "tracepoint:sched:sched_process_exec", predicate: scope, body: [
                .constant((["$tracesh_mm = curtask->mm;", "$tracesh_base = (uint64)0;"] + search.map { String($0.dropFirst(2)) }).joined(separator: "\n")),
                .constant("printf(\"" + framing.printfFormat(kind: .exec, conversions: ["%d", "%llu", "%llu", "%llu", "%s"])
                          + "\", pid, $tracesh_mm->exe_file->f_inode->i_ino, $tracesh_mm->start_code, $tracesh_base, str($tracesh_mm->exe_file->f_path.dentry->d_name.name));"),
            ]))
        }
        if catalog.hasTracepoint("syscalls:sys_enter_mmap"), catalog.hasTracepoint("syscalls:sys_exit_mmap") {
            let tid = [BpftraceExpr.builtin(BpftraceIdentifier(known: "tid"))]
            let (fd, offset, length) = (mappingMaps[0], mappingMaps[1], mappingMaps[2])
            // PROT_EXEC, not MAP_ANONYMOUS.
            let code = BpftraceExpr.binary(.and, .binary(.bitAnd, .field(BpftraceIdentifier(known: "prot")), .integer(4)),
                                           .unary(.not, .binary(.bitAnd, .field(BpftraceIdentifier(known: "flags")), .integer(0x20))))
            probes.append(BpftraceProbe(attachPoint: "tracepoint:syscalls:sys_enter_mmap", predicate: scope + [code], body: [
                .assign(.map(fd, keys: tid), .field(BpftraceIdentifier(known: "fd"))),
                .assign(.map(offset, keys: tid), .field(BpftraceIdentifier(known: "off"))),
                .assign(.map(length, keys: tid), .field(BpftraceIdentifier(known: "len"))),
            ]))
            probes.append(BpftraceProbe(attachPoint: "tracepoint:syscalls:sys_exit_mmap", predicate: [.map(length, keys: tid)], body: [
                .constant("$tracesh_file = (struct file *)*(uint64 *)((uint64)curtask->files->fdt->fd + @tracesh_mmap_fd[tid] * 8);"),
                .constant("if (args->ret > 0) { printf(\"" + framing.printfFormat(kind: .mapping, conversions: ["%d", "%llu", "%llu", "%llu", "%llu", "%s"])
                          + "\", pid, args->ret, @tracesh_mmap_length[tid], @tracesh_mmap_offset[tid], $tracesh_file->f_inode->i_ino, str($tracesh_file->f_path.dentry->d_name.name)); }"),
                .call(.call(.delete, [.map(fd, keys: tid)])),
                .call(.call(.delete, [.map(offset, keys: tid)])),
                .call(.call(.delete, [.map(length, keys: tid)])),
            ]))
        }
        return probes
    }

    /// `END` for a program reading stacks: a `B` record first (bpftrace takes a while to print
    /// stack-keyed maps; a SIGINT repeated meanwhile would cut END short, see `Pipeline.endBegan`),
    /// and the seen map cleared, not printed.
    static func end(_ program: BpftraceProgram, framing: EventFraming) -> [BpftraceStatement] {
        let seen = announcesProcesses(program)
        let stacks = program.probes.contains { probe in
            probe.body.contains { statement in
                if case .assign(.map(_, let keys), _) = statement { return keys.contains { if case .stack = $0 { return true } else { return false } } }
                return false
            }
        }
        var end = program.end
        if stacks { end.insert(.printf(framedFormat: framing.printfFormat(kind: .endBegin, conversions: []), []), at: 0) }
        if seen {
            end.insert(.call(.call(.clear, [.map(seenMap, keys: [])])), at: end.count - 1)
            if program.probes.contains(where: { $0.attachPoint == "tracepoint:syscalls:sys_exit_mmap" && $0.predicate == [.map(mappingMaps[2], keys: [.builtin(BpftraceIdentifier(known: "tid"))])] }) {
                for map in mappingMaps { end.insert(.call(.call(.clear, [.map(map, keys: [])])), at: end.count - 1) }
            }
        }
        return end
    }
}
