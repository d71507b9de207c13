import TraceshModel
import TraceshKernel
import TraceshLanguage
import TraceshSemantics

/// Compiles a session graph into one bpftrace program: a pure function of the graph, the kernel
/// catalog and the options. Resolve (`SessionAnalyser`), place filters (part of the plan), build
/// maps, emit a `BpftraceProgram`, print it (`BpftracePrinter`).
public enum ProgramCompiler {
    /// The map that holds the traced process tree for `run -- COMMAND`.
    static let descendantsMap = BpftraceIdentifier(known: "tracesh_pids")

    /// The values every event record starts with, before the probe's own (see `Pipeline`).
    static let headerConversions = ["%d", "%llu", "%d", "%d", "%d", "%d", "%d", "%s"]

    /// Compiles `graph`; `probes` are the graph's probes already analysed (the session keeps
    /// them), or nil to parse and resolve each spec here.
    public static func compile(_ graph: SessionGraph, catalog: KernelCatalog, libraries: LibraryResolver = LibraryResolver(),
                               probes: [AnalysedProbe]? = nil, options: CompileOptions) throws -> CompiledProgram {
        guard !graph.probes.isEmpty else {
            throw Diagnostic("no probes to run; add one with 'probe SPEC' (e.g. probe sys_openat)", at: nil)
        }
        let analyser = SessionAnalyser(catalog: catalog, libraries: libraries)
        let analysed = try probes ?? graph.probes.map { declaration in
            try analyser.inProbe(declaration.name, keepLocation: false) {
                try analyser.analyse(declaration, spec: SpecParser.parse(LocatedText(declaration.spec)))
            }
        }
        let plan = try analyser.plan(graph, probes: analysed)
        return try emit(plan, catalog: catalog, options: options)
    }

    static func emit(_ plan: SessionPlan, catalog: KernelCatalog, options: CompileOptions) throws -> CompiledProgram {
        let framing = options.framing
        let streams = plan.probes.map { probePlan in
            options.stream.streams(hasFormat: probePlan.probe.spec.format != nil, aggregationCount: probePlan.attachments.first?.aggregations.count ?? 0)
        }
        // Without pids in the event counts, a count by pid needs a map of its own.
        let derived = EventCountDerivations.plan(plan, streams: streams).filter { options.countsByProcess || !$0.value.keys.contains(.pid) }
        let maps = plan.aggregations.enumerated().map { index, aggregation in
            StackCodegen.map(name: "@agg\(index + 1)", aggregation, fromEventCounts: derived[index])
        }
        var program = BpftraceProgram(comments: ["tracesh: generated bpftrace program (one record per event, framed; see EventFraming)"],
                                      begin: [], verbatimBlocks: [], probes: [], end: [])
        var compiledProbes: [CompiledProbe] = []
        var userFilters: [UserFilter] = []
        // The string length every streaming probe's printf fits the BPF stack with.
        var fittingStringLength: Int?
        // The held command execs after the probes attach: its exec tracepoint names it.
        let heldCommand = options.heldCommand?.pid
        var heldCommandCounts: [(BpftraceIdentifier, String)] = []
        var entryCaptures: [EntryCapture] = []

        // Which processes the run traces, whatever the probe: its tree, or all but tracesh's.
        var runScope: [BpftraceExpr] = []
        if !options.traceDescendantsOf.isEmpty { runScope.append(inTracedTree(options.traceDescendantsOf)) }
        // (A run of `-- COMMAND` is scoped to the command's tree already.)
        if let tracer = options.excludeTracer, options.traceDescendantsOf.isEmpty {
            runScope.append(.binary(.and, .binary(.notEqual, .builtin(BpftraceIdentifier(known: "pid")), .integer(tracer)),
                                    .binary(.notEqual, .builtin(BpftraceIdentifier(known: "comm")), .string("bpftrace"))))
        }

        for (probeIndex, plainPlan) in plan.probes.enumerated() {
            let probePlan = StackCodegen.withStackFields(plainPlan, options.stacks)
            let probe = probePlan.probe
            let stream = streams[probeIndex]
            let readFromCounts = derived.filter { $0.value.probeIndices.contains(probeIndex) }.keys.sorted().map { "@agg\($0 + 1)" }
            program.comments.append("probe \(probe.declaration.name): \(probe.resolved.note)" + (stream ? "" : " (counted in the kernel only)")
                                    + (readFromCounts.isEmpty ? "" : "; \(readFromCounts.joined(separator: ", ")) summed from @tracesh_events"))
            for condition in probePlan.userFilters { userFilters.append(UserFilter(probeIndex: probeIndex, condition: condition)) }
            // A return probe reading its call's entry (arguments, latency) gets an entry probe.
            let entry = EntryCapture.plan(probePlan, probeIndex: probeIndex, streams: stream)
            if let entry { entryCaptures.append(entry) }
            for attachment in probePlan.attachments {
                var predicate: [BpftraceExpr] = []
                if let numbers = attachment.attachment.syscallNumbers { predicate.append(syscallPredicate(numbers)) }
                predicate += runScope
                let scope = predicate
                let conditions = try attachment.predicates.map { try BpftraceEmitter.number($0, entry: entry) }
                if entry == nil { predicate += conditions }
                var body = StackCodegen.prologue(probePlan, attachment, streams: stream)
                if stream {
                    let strings = probePlan.fields.filter { $0.kind == .string }.count
                    if let fits = CompiledProgram.stringLength(strings: strings, numbers: probePlan.fields.count - strings) {
                        fittingStringLength = min(fittingStringLength ?? fits, fits)
                    }
                    var conversions = headerConversions
                    let header: [BpftraceExpr] = [.integer(Int64(probeIndex))] + ["nsecs", "pid", "tid", "uid", "gid", "cpu", "comm"].map { .builtin(BpftraceIdentifier(known: $0)) }
                    var values: [BpftraceExpr] = []
                    for (field, value) in zip(probePlan.fields, attachment.values) {
                        let emitted = value.type == .string ? try BpftraceEmitter.emit(value, entry: entry) : try BpftraceEmitter.number(value, entry: entry)
                        // A literal goes into the format: printf's arguments share the 512-byte
                        // BPF stack with its strings (a family's syscall number, see `KernelAccess.constant`).
                        if case .integer(let literal) = emitted, field.kind == .integer {
                            conversions.append(String(literal))
                        } else {
                            conversions.append(field.kind == .string ? "%s" : "%lld")
                            values.append(emitted)
                        }
                    }
                    body.append(.printf(framedFormat: framing.printfFormat(kind: .event, conversions: conversions), header + values))
                } else {
                    // Not streamed: its events are counted here, by probe and process, so `stats`
                    // and `top` stay exact (one map update instead of one perf-buffer record).
                    let pid: BpftraceExpr = options.countsByProcess ? .builtin(BpftraceIdentifier(known: "pid")) : .integer(0)
                    let keys: [BpftraceExpr] = [.integer(Int64(probeIndex)), pid, .builtin(BpftraceIdentifier(known: "comm"))]
                    let count = BpftraceStatement.assign(.map(eventCountIdentifier, keys: keys), .call(.count, []))
                    if let heldCommand {
                        // Most events of a `run -- COMMAND` are the command's own: a count without
                        // keys costs what bpftrace's own `count()` does, a hash update twice that.
                        let name = CompiledProgram.heldCommandCountPrefix + String(probeIndex)
                        let identifier = BpftraceIdentifier(known: String(name.dropFirst()))
                        if !heldCommandCounts.contains(where: { $0.1 == name }) { heldCommandCounts.append((identifier, name)) }
                        body.append(.ifElse(.binary(.equal, .builtin(BpftraceIdentifier(known: "pid")), .integer(heldCommand)),
                                            then: [.assign(.map(identifier, keys: []), .call(.count, []))], else: [count]))
                    } else {
                        body.append(count)
                    }
                }
                for (index, argument, keys) in attachment.aggregations where derived[index] == nil {
                    let aggregation = maps[index].aggregation
                    let value = try argument.map { try BpftraceEmitter.number($0, entry: entry) }
                    let call: BpftraceExpr
                    switch aggregation.function {
                    case .count: call = .call(.count, [])
                    case .sum: call = .call(.sum, [value!])
                    case .avg: call = .call(.avg, [value!])
                    case .min: call = .call(.min, [value!])
                    case .max: call = .call(.max, [value!])
                    case .hist: call = .call(.hist, [value!])
                    case .lhist(let min, let max, let step): call = .call(.lhist, [value!, .integer(min), .integer(max), .integer(step)])
                    }
                    let target = BpftraceExpr.map(mapIdentifier(index), keys: try StackCodegen.keys(keys, entry: entry))
                    body.append(.assign(target, call))
                }
                if StackCodegen.readsUserStacks(probePlan, attachment, streams: stream) {
                    program.probes.append(StackCodegen.firstSightProbe(attachPoint: attachment.attachment.probe, predicate: predicate, framing: framing))
                }
                if let entry, let entryProbe = try entry.entryProbe(attachment.attachment, scope: scope) {
                    program.probes.append(entryProbe)
                    program.probes.append(entry.returnProbe(attachPoint: attachment.attachment.probe, scope: scope, conditions: conditions, body: body))
                } else {
                    program.probes.append(BpftraceProbe(attachPoint: attachment.attachment.probe, predicate: predicate, body: body))
                }
            }
            let functionKey = probe.resolved.hasSyscallPerEvent ? AttachmentScope.syscallKey : nil
            compiledProbes.append(CompiledProbe(name: probe.declaration.name, function: probe.spec.target, resolved: probe.resolved.resolvedName,
                                                format: probe.spec.format, fields: probePlan.fields, functionKey: functionKey,
                                                streams: stream))
        }

        if StackCodegen.announcesProcesses(program) {
            program.probes += StackCodegen.mappingProbes(scope: runScope, framing: framing, catalog: catalog)
        }
        if !options.traceDescendantsOf.isEmpty {
            for root in options.traceDescendantsOf {
                program.begin.append(.assign(.map(descendantsMap, keys: [.integer(root)]), .integer(1)))
            }
            guard catalog.hasTracepoint("sched:sched_process_fork") else {
                throw Diagnostic("following a command's children needs the tracepoint sched:sched_process_fork, which is missing", at: nil)
            }
            program.probes.append(BpftraceProbe(attachPoint: "tracepoint:sched:sched_process_fork",
                                                predicate: [.map(descendantsMap, keys: [.builtin(BpftraceIdentifier(known: "pid"))])],
                                                body: [.assign(.map(descendantsMap, keys: [.field(BpftraceIdentifier(known: "child_pid"))]), .integer(1))]))
        }
        if !entryCaptures.isEmpty {
            // sched_process_exit is on every kernel with tracepoints (the test fixture's catalog lists a few only).
            program.probes.append(EntryCapture.exitCleanup(entryCaptures))
            program.comments.append("entry maps: saved at each call's entry by tid, deleted at its return or when the thread exits (see EntryCapture)")
        }
        program.begin.append(.printf(framedFormat: framing.printfFormat(kind: .start, conversions: ["%llu"]), [.builtin(BpftraceIdentifier(known: "nsecs"))]))
        let printed = maps.indices.filter { derived[$0] == nil }.map { (mapIdentifier($0), maps[$0].name) }
        if let held = options.heldCommand, !heldCommandCounts.isEmpty {
            // Its name is known (see HeldCommand): printed with its counts, not learnt by a probe.
            let commMap = BpftraceIdentifier(known: String(CompiledProgram.heldCommandCommMap.dropFirst()))
            program.begin.append(.assign(.map(commMap, keys: [.integer(held.pid)]), .string(held.comm)))
            heldCommandCounts.insert((commMap, CompiledProgram.heldCommandCommMap), at: 0)
        }
        // The held command's counts come first: the pipeline adds them to the event counts' rows.
        let counts = compiledProbes.contains(where: { !$0.streams }) ? heldCommandCounts + [(eventCountIdentifier, CompiledProgram.eventCountMap.name)] : []
        if let interval = options.interval {
            program.probes.append(intervalProbe(interval, maps: printed, counts: counts, keep: options.keepIntervals, framing: framing))
        }
        program.end += printMaps(printed + counts, clear: true, framing: framing)
        if options.interval != nil { program.end.append(.call(.call(.clear, [.map(intervalCounter, keys: [])]))) }
        if !options.traceDescendantsOf.isEmpty { program.end.append(.call(.call(.clear, [.map(descendantsMap, keys: [])]))) }
        // Calls still in flight: bpftrace would print their entries at exit.
        for map in entryCaptures.flatMap(\.maps) { program.end.append(.call(.call(.clear, [.map(map, keys: [])]))) }
        if options.sync != nil {
            program.end.append(.call(.call(.clear, [.map(BpftraceIdentifier(known: String(SyncMarker.countMap.dropFirst())), keys: [])])))
        }
        program.end.append(.printf(framedFormat: framing.printfFormat(kind: .end, conversions: []), []))
        program.end = StackCodegen.end(program, framing: framing)

        let stringLength = fittingStringLength ?? CompiledProgram.defaultStringLength
        program.comments.insert("run it as: BPFTRACE_STRLEN=\(stringLength) bpftrace FILE (tracesh sets this)", at: 1)
        if let sync = options.sync {
            program.comments.append("sync: an interval probe reporting the time, attached last (see SyncMarker)")
            program.verbatimBlocks.append(sync.block(framing: framing))
        }
        return CompiledProgram(source: BpftracePrinter.print(program), framing: framing, probes: compiledProbes, maps: maps,
                               userFilters: userFilters, stringLength: stringLength, sync: options.sync,
                               valueNames: valueNames(plan, maps: maps, catalog: catalog),
                               intervalsKeep: options.interval == nil ? nil : options.keepIntervals)
    }

    /// Whether the event's process is one of `roots` or a descendant: the roots are compared
    /// first, so their own events (most of a traced command's) skip the map lookup.
    static func inTracedTree(_ roots: [Int64]) -> BpftraceExpr {
        let pid = BpftraceExpr.builtin(BpftraceIdentifier(known: "pid"))
        return roots.reversed().reduce(.map(descendantsMap, keys: [pid])) { rest, root in
            .binary(.or, .binary(.equal, pid, .integer(root)), rest)
        }
    }

    /// `print()` each map after a map record naming it (the text up to the next record is its
    /// contents, see `EventScanner`), then `clear()` it unless the maps accumulate.
    static func printMaps(_ maps: [(BpftraceIdentifier, String)], clear: Bool, framing: EventFraming) -> [BpftraceStatement] {
        maps.flatMap { identifier, name -> [BpftraceStatement] in
            let map = BpftraceExpr.map(identifier, keys: [])
            return [.printf(framedFormat: framing.printfFormat(kind: .map, conversions: ["%s"]), [.string(name)]),
                    .call(.call(.print, [map]))] + (clear ? [.call(.call(.clear, [map]))] : [])
        }
    }

    /// The counter numbering the intervals of `run ... every INTERVAL`.
    static let intervalCounter = BpftraceIdentifier(known: "tracesh_interval")

    /// `interval:s:N` (or `:ms:N`) printing the maps between an interval record and its end
    /// record, so the pipeline can tell each interval's results from the run's last ones.
    /// The event counts are never cleared: an event between `print()` and `clear()` would be
    /// lost to the run's exact statistics, so the pipeline takes each interval's difference.
    static func intervalProbe(_ interval: TraceDuration, maps: [(BpftraceIdentifier, String)], counts: [(BpftraceIdentifier, String)],
                              keep: Bool, framing: EventFraming) -> BpftraceProbe {
        let counter = BpftraceExpr.map(intervalCounter, keys: [])
        var body: [BpftraceStatement] = [
            .assign(counter, .binary(.add, counter, .integer(1))),
            .printf(framedFormat: framing.printfFormat(kind: .interval, conversions: ["%lld", "%llu"]),
                    [counter, .builtin(BpftraceIdentifier(known: "nsecs"))]),
        ]
        body += printMaps(maps, clear: !keep, framing: framing) + printMaps(counts, clear: false, framing: framing)
        body.append(.printf(framedFormat: framing.printfFormat(kind: .intervalEnd, conversions: ["%lld"]), [counter]))
        let milliseconds = interval.milliseconds
        // Built from a validated whole number, never from the user's text.
        let attachPoint = milliseconds % 1000 == 0 ? "interval:s:\(milliseconds / 1000)" : "interval:ms:\(milliseconds)"
        return BpftraceProbe(attachPoint: attachPoint, predicate: [], body: body)
    }

    /// `args->id` is one of `numbers` (ascending): runs of three or more as a range, so a
    /// pattern over many syscalls stays a short predicate.
    static func syscallPredicate(_ numbers: [Int64]) -> BpftraceExpr {
        let id = BpftraceExpr.field(BpftraceIdentifier(known: "id"))
        var runs: [ClosedRange<Int64>] = []
        for number in numbers {
            if let last = runs.last, last.upperBound + 1 == number { runs[runs.count - 1] = last.lowerBound...number } else { runs.append(number...number) }
        }
        var terms: [BpftraceExpr] = []
        for run in runs {
            if run.count >= 3 {
                terms.append(.binary(.and, .binary(.greaterEqual, id, .integer(run.lowerBound)), .binary(.lessEqual, id, .integer(run.upperBound))))
            } else {
                terms += run.map { .binary(.equal, id, .integer($0)) }
            }
        }
        return terms.dropFirst().reduce(terms[0]) { .binary(.or, $0, $1) }
    }

    /// The names the run's numbers print as, read only when a map key or an event needs them.
    static func valueNames(_ plan: SessionPlan, maps: [CompiledMap], catalog: KernelCatalog) -> ValueNames {
        let kinds = Set(maps.flatMap(\.keyNames))
        let syscalls = kinds.contains(.syscall) || plan.probes.contains { $0.probe.resolved.hasSyscallPerEvent }
        return ValueNames(syscalls: syscalls ? catalog.syscallTable().names : [:],
                          signals: kinds.contains(.signal) ? SignalNames.system : [:],
                          errnos: kinds.contains(.errno) || kinds.contains(.errnoCode) ? ErrnoNames.system : [:])
    }

    static func mapIdentifier(_ index: Int) -> BpftraceIdentifier { BpftraceIdentifier(known: "agg\(index + 1)") }

    /// The map counting the events of probes that do not stream (`CompiledProgram.eventCountMap`).
    static let eventCountIdentifier = BpftraceIdentifier(known: String(CompiledProgram.eventCountMap.name.dropFirst()))
}
