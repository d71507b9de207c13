import TraceshModel
import TraceshKernel

/// The semantic pass over a session: resolves every probe's predicate and format arguments and
/// every filter and aggregation against each probe it applies to, places filters, and checks
/// what bpftrace would refuse. The one checker behind `probe`, `filter`, `agg`, `run` and
/// `show bpftrace`; nothing is generated to find errors.
public struct SessionAnalyser: Sendable {
    public var catalog: KernelCatalog
    public var libraries: LibraryResolver

    public init(catalog: KernelCatalog, libraries: LibraryResolver = LibraryResolver()) {
        self.catalog = catalog
        self.libraries = libraries
    }

    /// bpftrace 0.17 refuses an `lhist` with more buckets than this ("too many buckets").
    public static let maximumLhistBuckets: Int64 = 1000

    /// Resolves a parsed spec against the kernel and checks its own predicate and arguments.
    /// Errors keep the spec's locations (nil ones are the caller's to fill).
    public func analyse(_ declaration: ProbeDeclaration, spec: TraceSpec) throws -> AnalysedProbe {
        let resolved = try ProbeResolver(catalog: catalog, libraries: libraries).resolve(spec)
        let probe = AnalysedProbe(declaration: declaration, spec: spec, resolved: resolved)
        for attachment in resolved.attachments {
            let resolver = ExpressionResolver(scope: scope(probe, attachment))
            if let predicate = spec.combinedPredicate { _ = try resolver.kernel(predicate, condition: true) }
            _ = try formatValues(probe, resolver)
        }
        return probe
    }

    func scope(_ probe: AnalysedProbe, _ attachment: ResolvedProbe.Attachment) -> AttachmentScope {
        AttachmentScope(probe: probe.resolved, attachment: attachment, target: probe.spec.target, probeName: probe.declaration.name,
                        syscalls: probe.resolved.hasSyscallPerEvent ? catalog.syscallTable() : nil, catalog: catalog)
    }

    /// Checks a filter entered before any probe: names every probe would refuse.
    public func checkUnbound(_ condition: Expression) throws {
        _ = try ExpressionResolver(scope: UnboundScope()).condition(condition)
    }

    /// The whole session resolved. Errors from filters and aggregations keep their locations and
    /// name the probe.
    public func plan(_ graph: SessionGraph, probes: [AnalysedProbe]) throws -> SessionPlan {
        var aggregations = graph.aggregations.map { AggregationPlan(aggregation: $0, keyKinds: []) }
        for plan in aggregations { try Self.checkBuckets(plan.aggregation) }
        var plans: [ProbePlan] = []
        for probe in probes {
            let name = probe.declaration.name
            let filters = graph.filters.filter { $0.probe == nil || $0.probe == name }
            let scoped = graph.aggregations.indices.filter { graph.aggregations[$0].probe == nil || graph.aggregations[$0].probe == name }
            var attachments: [AttachmentPlan] = []
            var fields: [CompiledField] = []
            var userFilters: [Expression] = []
            for attachment in probe.resolved.attachments {
                let resolver = ExpressionResolver(scope: scope(probe, attachment))
                var predicates: [ResolvedExpression] = []
                if let predicate = probe.spec.combinedPredicate {
                    predicates.append(try inProbe(name, keepLocation: false) { try resolver.kernel(predicate, condition: true) })
                }
                var (values, valueFields) = try inProbe(name, keepLocation: false) { try formatValues(probe, resolver) }
                var userConditions: [ResolvedExpression] = []
                var attachmentUserFilters: [Expression] = []
                for filter in filters {
                    let condition = try inProbe(name, keepLocation: true) { try resolver.condition(filter.condition) }
                    switch FilterPlacement.of(condition) {
                    case .kernel?: predicates.append(condition)
                    case .userSpace?:
                        userConditions.append(condition)
                        attachmentUserFilters.append(filter.condition)
                    case nil:
                        throw Diagnostic("probe '\(name)': '\(filter.condition)' can run neither in the kernel nor in user space: "
                                         + (ExpressionResolver.kernelObstacle(condition)?.message ?? "it mixes kernel-only and user-space-only names"), at: filter.condition.location)
                    }
                }
                if let user = attachmentUserFilters.first, !scoped.isEmpty {
                    throw Diagnostic("'agg' counts in the kernel, but the filter '\(user)' on probe '\(name)' runs in user space; make the filter a kernel one (no message, =~ or functions) or drop the aggregation", at: nil)
                }
                // Values a user-space filter reads must travel with the event.
                for condition in userConditions { Self.capture(condition, values: &values, fields: &valueFields) }
                var aggregationValues: [(index: Int, argument: ResolvedExpression?, keys: [ResolvedExpression])] = []
                for index in scoped {
                    let aggregation = graph.aggregations[index]
                    let (argument, keys) = try inProbe(name, keepLocation: true) {
                        let argument = try aggregation.argument.map { expression -> ResolvedExpression in
                            let value = try resolver.kernel(expression, condition: false)
                            if value.type == .string { throw Diagnostic("'\(expression)' is a string; a number is needed here", at: expression.location) }
                            return value
                        }
                        return (argument, try aggregation.keys.map { key -> ResolvedExpression in
                            if StackKey.isStackName(key) { return try ExpressionResolver.stackKey(key) }
                            let value = try resolver.kernel(key, condition: false)
                            if case .stringPointer(let memory) = value.type {
                                return ResolvedExpression(.readString(value, memory), type: .string, placement: value.placement, at: value.location)
                            }
                            return value
                        })
                    }
                    let kinds = keys.map { $0.type == .integer ? CompiledField.Kind.integer : .string }
                    let names = keys.map(\.integerKind)
                    if aggregations[index].keyKinds.isEmpty || aggregations[index].keyKinds == kinds {
                        // A key that names different things on different probes prints as a number.
                        let earlier = aggregations[index].keyKinds.isEmpty ? names : aggregations[index].keyNames
                        aggregations[index].keyNames = zip(earlier, names).map { $0 == $1 ? $0 : .plain }
                        aggregations[index].keyKinds = kinds
                    } else {
                        throw Diagnostic("the keys of 'agg \(aggregation.function) \(aggregation.keys.map(\.description).joined(separator: ", "))' are strings on one probe and numbers on another", at: nil)
                    }
                    aggregationValues.append((index, argument, keys))
                }
                fields = valueFields
                userFilters = attachmentUserFilters
                attachments.append(AttachmentPlan(attachment: attachment, predicates: predicates, values: values, aggregations: aggregationValues))
            }
            plans.append(ProbePlan(probe: probe, attachments: attachments, fields: fields, userFilters: userFilters))
        }
        return SessionPlan(probes: plans, aggregations: aggregations)
    }

    /// bpftrace 0.17 allows at most 1000 `lhist` buckets.
    public static func checkBuckets(_ aggregation: Aggregation) throws {
        guard case .lhist(let min, let max, let step) = aggregation.function else { return }
        let buckets = (max - min) / step
        guard buckets <= maximumLhistBuckets else {
            throw Diagnostic("lhist(\(min), \(max), \(step)) has \(buckets) buckets; bpftrace allows at most \(maximumLhistBuckets) (use a step of at least \((max - min + maximumLhistBuckets - 1) / maximumLhistBuckets), or hist for a log2 scale)",
                             at: aggregation.argument?.location)
        }
    }

    /// The printf values and fields for the format's arguments, plus `retval` on return probes.
    func formatValues(_ probe: AnalysedProbe, _ resolver: ExpressionResolver) throws -> ([ResolvedExpression], [CompiledField]) {
        var values: [ResolvedExpression] = []
        var fields: [CompiledField] = []
        let conversions = probe.spec.format?.parsedConversions ?? []
        for (argument, conversion) in zip(probe.spec.arguments, conversions) {
            var value = try resolver.kernel(argument, condition: false)
            let name = Self.fieldName(argument)
            if conversion.takesString {
                switch value.type {
                case .string: break
                case .stringPointer(let memory):
                    // `%s` of a `char *` reads the string, as trace.py and bpftrace do.
                    value = ResolvedExpression(.readString(value, memory), type: .string, placement: value.placement, at: value.location)
                case .integer where probe.resolved.isUserSpace:
                    value = ResolvedExpression(.readString(value, .user), type: .string, placement: value.placement, at: value.location)
                case .integer:
                    if case .name(let resolved) = value.node { try resolver.scope.checkStringRead(of: resolved, at: argument.location) }
                    throw Diagnostic("'%s' needs a string, but '\(argument)' is a number here", at: argument.location)
                }
                fields.append(CompiledField(name: name, kind: .string))
            } else {
                guard value.type != .string else {
                    throw Diagnostic("'\(conversion.spelling)' needs a number, but '\(argument)' is a string; use %s", at: argument.location)
                }
                fields.append(CompiledField(name: name, kind: .integer))
            }
            values.append(value)
        }
        // A return probe always carries its return value (trace.py's retval).
        if probe.resolved.hasReturnValue, !fields.contains(where: { $0.name == NameTable.ReturnName.retval.rawValue }) {
            values.append(try resolver.resolve(Expression(.identifier(NameTable.ReturnName.retval.rawValue))))
            fields.append(CompiledField(name: NameTable.ReturnName.retval.rawValue, kind: .integer))
        }
        // ... and its call's duration, so `events where latency > N` works after the run.
        if probe.resolved.hasReturnValue, !fields.contains(where: { $0.name == NameTable.ReturnName.latency.rawValue }) {
            values.append(try resolver.resolve(Expression(.identifier(NameTable.ReturnName.latency.rawValue))))
            fields.append(CompiledField(name: NameTable.ReturnName.latency.rawValue, kind: .integer))
        }
        // An every-syscall (or `sys_open`) probe's events carry their syscall's number: it is their function.
        if probe.resolved.hasSyscallPerEvent, !fields.contains(where: { $0.name == AttachmentScope.syscallKey }) {
            values.append(try resolver.resolve(Expression(.identifier("function"))))
            fields.append(CompiledField(name: AttachmentScope.syscallKey, kind: .integer))
        }
        return (values, fields)
    }

    /// Adds what `condition` reads from the probe to the event's values, each once: a name as
    /// itself, a string read from a named pointer as that string.
    static func capture(_ condition: ResolvedExpression, values: inout [ResolvedExpression], fields: inout [CompiledField]) {
        var skip: Set<SourceLocation> = []
        condition.forEach { node in
            var wanted: ResolvedExpression?
            var kind = CompiledField.Kind.integer
            var key: String?
            switch node.node {
            case .readString(let inner, _):
                if case .name(let name) = inner.node, let captureKey = name.captureKey {
                    wanted = node
                    kind = .string
                    key = captureKey
                    skip.insert(inner.location)
                }
            case .name(let name):
                guard let captureKey = name.captureKey, !skip.contains(node.location) else { return }
                wanted = node
                kind = node.type == .string ? .string : .integer
                key = captureKey
            default:
                return
            }
            guard let wanted, var key else { return }
            if let existing = fields.first(where: { $0.name == key }) {
                if existing.kind == kind { return }
                // The same name as a number and as a string: the string goes as `NAME@user`.
                guard kind == .string else { return }
                key += "@user"
                if fields.contains(where: { $0.name == key }) { return }
            }
            values.append(wanted)
            fields.append(CompiledField(name: key, kind: kind))
        }
    }

    /// The `raw_args` name of an argument: `arg2` for `arg2` and `arg2@user`, a field's name, `retval`.
    public static func fieldName(_ expression: Expression) -> String {
        switch expression.kind {
        case .identifier(let name): return name
        case .field(let name): return name
        case .userString(let inner): return fieldName(inner)
        case .builtin(let name): return "$" + name
        default: return expression.description
        }
    }

    /// Runs `body`, prefixing its diagnostics with the probe's name. Locations inside a stored
    /// spec are relative to the spec text, not to any script, so those are dropped.
    public func inProbe<T>(_ name: String, keepLocation: Bool, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let diagnostic as Diagnostic {
            throw Diagnostic("probe '\(name)': \(diagnostic.message)", at: keepLocation ? diagnostic.location : nil)
        }
    }
}
