/// Compiles a session graph into one bpftrace program: a pure function of the graph, the kernel
/// catalog and the options. Each probe becomes one block per attachment that prints one framed
/// record per event and updates the aggregation maps scoped to it.
public enum ProgramCompiler {
    /// The map that holds the traced process tree for `run -- COMMAND`.
    static let descendantsMap = "@tracesh_pids"

    public static func compile(_ graph: SessionGraph, catalog: KernelCatalog, libraries: LibraryResolver = LibraryResolver(),
                               options: CompileOptions) throws -> CompiledProgram {
        guard !graph.probes.isEmpty else {
            throw Diagnostic("no probes to run; add one with 'probe SPEC' (e.g. probe sys_openat)", at: nil)
        }
        let resolver = ProbeResolver(catalog: catalog, libraries: libraries)
        let framing = options.framing
        let stream = graph.setting("stream") != "off"
        var compiledProbes: [CompiledProbe] = []
        var blocks: [String] = []
        var userFilters: [UserFilter] = []
        var maps: [CompiledMap] = []
        var mostStringsPerEvent = 0
        var header = ["// tracesh: generated bpftrace program (one record per event, framed; see EventFraming)"]

        // Filters the kernel cannot run apply to events after the fact.
        for filter in graph.filters where FilterPlacement.of(filter.condition) == .userSpace {
            try EventEvaluator.check(filter.condition)
            let index = filter.probe.flatMap { name in graph.probes.firstIndex { $0.name == name } }
            userFilters.append(UserFilter(probeIndex: index, condition: filter.condition))
        }
        for (aggregationIndex, aggregation) in graph.aggregations.enumerated() {
            maps.append(CompiledMap(name: "@agg\(aggregationIndex + 1)", aggregation: aggregation, keyKinds: []))
        }

        for (probeIndex, declaration) in graph.probes.enumerated() {
            let (spec, resolved) = try inProbe(declaration.name, keepLocation: false) {
                let spec = try SpecParser.parse(LocatedText(declaration.spec))
                return (spec, try resolver.resolve(spec))
            }
            header.append("// probe \(declaration.name): \(resolved.note)")
            let kernelFilters = graph.filters.filter { ($0.probe == nil || $0.probe == declaration.name) && FilterPlacement.of($0.condition) == .kernel }
            let scopedUserFilters = userFilters.filter { $0.probeIndex == nil || $0.probeIndex == probeIndex }
            let scopedMaps = maps.indices.filter { maps[$0].aggregation.probe == nil || maps[$0].aggregation.probe == declaration.name }
            if !scopedMaps.isEmpty, let userFilter = scopedUserFilters.first {
                throw Diagnostic("'agg' counts in the kernel, but the filter '\(userFilter.condition)' on probe '\(declaration.name)' runs in user space; make the filter a kernel one (no message, =~ or functions) or drop the aggregation", at: nil)
            }
            var fields: [CompiledField] = []
            for attachment in resolved.attachments {
                let translator = BpftraceExpression(probe: resolved, attachment: attachment, probeName: declaration.name)
                var predicates: [String] = []
                if options.traceDescendantsOf != nil { predicates.append("\(descendantsMap)[pid]") }
                if let tracer = options.excludeTracer, resolved.isUserSpace, options.traceDescendantsOf == nil {
                    predicates.append("pid != \(tracer) && comm != \"bpftrace\"")
                }
                try inProbe(declaration.name, keepLocation: false) {
                    if let predicate = spec.combinedPredicate { predicates.append(try translator.integer(predicate)) }
                }
                // Filters keep their own locations: they are still the user's input.
                try inProbe(declaration.name, keepLocation: true) {
                    for filter in kernelFilters { predicates.append(try translator.integer(filter.condition)) }
                }
                var statements: [String] = []
                let (values, valueFields) = try inProbe(declaration.name, keepLocation: false) {
                    try eventValues(spec: spec, resolved: resolved, translator: translator, userFilters: scopedUserFilters)
                }
                fields = valueFields
                if stream {
                    mostStringsPerEvent = max(mostStringsPerEvent, valueFields.filter { $0.kind == .string }.count)
                    let conversions = ["%d", "%llu", "%d", "%d", "%d", "%d", "%s"] + valueFields.map { $0.kind == .string ? "%s" : "%lld" }
                    let arguments = ["\(probeIndex)", "nsecs", "pid", "tid", "uid", "cpu", "comm"] + values
                    statements.append("printf(\"\(framing.printfFormat(kind: .event, conversions: conversions))\", \(arguments.joined(separator: ", ")));")
                }
                for mapIndex in scopedMaps {
                    let (statement, keyKinds) = try inProbe(declaration.name, keepLocation: true) {
                        try aggregationStatement(maps[mapIndex], translator: translator)
                    }
                    if maps[mapIndex].keyKinds.isEmpty || maps[mapIndex].keyKinds == keyKinds {
                        maps[mapIndex].keyKinds = keyKinds
                    } else {
                        throw Diagnostic("the keys of 'agg \(maps[mapIndex].aggregation.body)' are strings on one probe and numbers on another", at: nil)
                    }
                    statements.append(statement)
                }
                let predicate = predicates.isEmpty ? "" : "\n/" + predicates.joined(separator: " && ") + "/"
                blocks.append(attachment.probe + predicate + "\n{\n" + statements.map { "  " + $0 + "\n" }.joined() + "}")
            }
            compiledProbes.append(CompiledProbe(name: declaration.name, function: spec.target, resolved: resolved.resolvedName,
                                                format: spec.format, fields: fields))
        }

        var begin: [String] = []
        if let root = options.traceDescendantsOf {
            begin.append("\(descendantsMap)[\(root)] = 1;")
            guard catalog.hasTracepoint("sched:sched_process_fork") else {
                throw Diagnostic("following a command's children needs the tracepoint sched:sched_process_fork, which is missing", at: nil)
            }
            blocks.append("tracepoint:sched:sched_process_fork\n/\(descendantsMap)[pid]/\n{\n  \(descendantsMap)[args->child_pid] = 1;\n}")
        }
        begin.append("printf(\"\(framing.printfFormat(kind: .start, conversions: ["%llu"]))\", nsecs);")
        var end: [String] = []
        for map in maps {
            end.append("printf(\"\(framing.printfFormat(kind: .map, conversions: ["%s"]))\", \"\(map.name)\");")
            end.append("print(\(map.name));")
            end.append("clear(\(map.name));")
        }
        if options.traceDescendantsOf != nil { end.append("clear(\(descendantsMap));") }
        end.append("printf(\"\(framing.printfFormat(kind: .end, conversions: []))\");")

        let stringLength = CompiledProgram.stringLength(forStringsPerEvent: mostStringsPerEvent)
        header.insert("// run it as: BPFTRACE_STRLEN=\(stringLength) bpftrace FILE (tracesh sets this)", at: 1)
        if let sync = options.sync {
            header.append("// sync: a uprobe on tracesh's own tracesh_sync_marker, attached last (see SyncMarker)")
            blocks.insert(sync.block(framing: framing), at: 0)
        }
        let source = header.joined(separator: "\n") + "\n\n"
            + "BEGIN\n{\n" + begin.map { "  " + $0 + "\n" }.joined() + "}\n\n"
            + blocks.joined(separator: "\n\n") + "\n\n"
            + "END\n{\n" + end.map { "  " + $0 + "\n" }.joined() + "}\n"
        return CompiledProgram(source: source, framing: framing, probes: compiledProbes, maps: maps, userFilters: userFilters,
                               stringLength: stringLength, sync: options.sync)
    }

    /// Runs `body`, prefixing its diagnostics with the probe's name. Locations inside a stored
    /// spec are relative to the spec text, not to any script, so those are dropped.
    static func inProbe<T>(_ name: String, keepLocation: Bool, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let diagnostic as Diagnostic {
            throw Diagnostic("probe '\(name)': \(diagnostic.message)", at: keepLocation ? diagnostic.location : nil)
        }
    }

    /// The printf arguments after `comm` and the fields they fill: the format's arguments, then
    /// the names user-space filters need.
    static func eventValues(spec: TraceSpec, resolved: ResolvedProbe, translator: BpftraceExpression,
                            userFilters: [UserFilter]) throws -> ([String], [CompiledField]) {
        var values: [String] = []
        var fields: [CompiledField] = []
        let conversions = spec.format?.parsedConversions ?? []
        for (argument, conversion) in zip(spec.arguments, conversions) {
            let wantsString = conversion.takesString
            let value = try translator.translate(argument)
            let name = fieldName(argument)
            if wantsString {
                switch value.type {
                case .string:
                    values.append(value.text)
                case .stringPointer where resolved.isUserSpace, .integer where resolved.isUserSpace:
                    values.append("str(\(value.text))")
                case .stringPointer, .integer:
                    throw Diagnostic("'%s' needs a string: read the user-space string with \(argument)@user", at: argument.location)
                }
                fields.append(CompiledField(name: name, kind: .string))
            } else {
                guard value.type != .string else {
                    throw Diagnostic("'\(conversion.spelling)' needs a number, but '\(argument)' is a string; use %s", at: argument.location)
                }
                values.append(value.asInteger)
                fields.append(CompiledField(name: name, kind: .integer))
            }
        }
        // A return probe always carries its return value (trace.py's retval).
        if resolved.hasReturnValue, !fields.contains(where: { $0.name == "retval" }) {
            values.append(try translator.translate(Expression(.identifier("retval"))).text)
            fields.append(CompiledField(name: "retval", kind: .integer))
        }
        // Values a user-space filter reads must travel with the event.
        for filter in userFilters {
            try filter.condition.forEach { node in
                let wanted: Expression?
                switch node.kind {
                case .identifier(let name) where SpecParser.argumentNumber(name) != nil || name == "retval": wanted = node
                case .field, .userString: wanted = node
                default: wanted = nil
                }
                guard let wanted, !fields.contains(where: { $0.name == fieldName(wanted) }) else { return }
                let value = try translator.translate(wanted)
                fields.append(CompiledField(name: fieldName(wanted), kind: value.type == .integer ? .integer : .string))
                values.append(value.type == .integer ? value.text : value.asString)
            }
        }
        return (values, fields)
    }

    /// The `raw_args` name of an argument: `arg2` for `arg2` and `arg2@user`, a field's name, `retval`.
    static func fieldName(_ expression: Expression) -> String {
        switch expression.kind {
        case .identifier(let name): return name
        case .field(let name): return name
        case .userString(let inner): return fieldName(inner)
        case .builtin(let name): return "$" + name
        default: return expression.description
        }
    }

    static func aggregationStatement(_ map: CompiledMap, translator: BpftraceExpression) throws -> (String, [CompiledField.Kind]) {
        let aggregation = map.aggregation
        var keyTexts: [String] = []
        var keyKinds: [CompiledField.Kind] = []
        for key in aggregation.keys {
            let value = try translator.translate(key)
            keyTexts.append(value.type == .integer ? value.text : value.asString)
            keyKinds.append(value.type == .integer ? .integer : .string)
        }
        let call: String
        switch aggregation.function {
        case .count: call = "count()"
        case .lhist(let min, let max, let step):
            call = "lhist(\(try translator.integer(aggregation.argument!)), \(min), \(max), \(step))"
        default:
            call = "\(aggregation.function.name)(\(try translator.integer(aggregation.argument!)))"
        }
        let target = keyTexts.isEmpty ? map.name : "\(map.name)[\(keyTexts.joined(separator: ", "))]"
        return ("\(target) = \(call);", keyKinds)
    }
}
