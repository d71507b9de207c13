import Foundation

/// The commands about probes and the kernel: `show bpftrace`, `caps`, `list`.
extension Interpreter {
    /// The program a run would use now (with a fresh framing boundary; the sync probe is added
    /// at run time).
    func showBpftrace() throws {
        let program = try ProgramCompiler.compile(graph, catalog: catalog, probes: try? cachedProbes(graph),
                                                  options: CompileOptions(excludeTracer: Settings.tracesSelf(graph) ? nil : Int64(getpid()),
                                                                          stream: Settings.streams(graph)))
        emit(.text(program.source))
    }

    func showCapabilities() {
        emit(.table(Capabilities.detect(catalog: catalog).table))
    }

    /// Tracepoints matching a glob (`sched:*`, `*open*`); all of them without a pattern.
    func listTracepoints(_ pattern: String?, at location: SourceLocation) throws {
        guard catalog.isReadable else {
            throw Diagnostic("cannot list tracepoints: tracefs is not mounted or not readable (try 'caps')", at: location)
        }
        let matches = catalog.tracepoints().filter { name in
            guard let pattern else { return true }
            return fnmatch(pattern, name, 0) == 0 || fnmatch(pattern, "t:" + name, 0) == 0
        }
        emit(.table(ResultTable(columns: ["tracepoint"], rows: matches.map { [.string($0)] })))
    }

    /// Parses nothing: resolves a parsed spec against the kernel (skipped, as parsing alone is
    /// enough for `save` and `load`, when tracefs cannot be read) and keeps the result.
    func analyse(_ declaration: ProbeDeclaration, spec: TraceSpec, at location: SourceLocation) throws {
        guard catalog.isReadable || spec.isUserSpace else { return }
        do {
            analysedProbes[declaration] = try SessionAnalyser(catalog: catalog).analyse(declaration, spec: spec)
        } catch var diagnostic as Diagnostic {
            diagnostic.location = diagnostic.location ?? location
            throw diagnostic
        }
    }

    /// The graph's probes as analysed when they were added (nil when one was not: no tracefs).
    func cachedProbes(_ graph: SessionGraph) throws -> [AnalysedProbe] {
        try graph.probes.map { declaration in
            guard let probe = analysedProbes[declaration] else { throw Diagnostic("probe '\(declaration.name)' was not resolved", at: nil) }
            return probe
        }
    }

    /// Runs the semantic pass over `graph` (every filter and aggregation against every probe it
    /// applies to), as a run would, without generating anything.
    func checkSession(_ graph: SessionGraph, at location: SourceLocation) throws {
        let analyser = SessionAnalyser(catalog: catalog)
        do {
            for aggregation in graph.aggregations { try SessionAnalyser.checkBuckets(aggregation) }
            // Without tracefs only parsing is checked (so `save` and `load` work anywhere).
            guard catalog.isReadable else { return }
            if graph.probes.isEmpty {
                for filter in graph.filters { try analyser.checkUnbound(filter.condition) }
                return
            }
            guard let probes = try? cachedProbes(graph) else { return }
            _ = try analyser.plan(graph, probes: probes)
        } catch var diagnostic as Diagnostic {
            diagnostic.location = diagnostic.location ?? location
            throw diagnostic
        }
    }
}

extension Interpreter {
    /// `probe [NAME =] use SPEC_NAME`: a predefined spec, checked like any other; its runs last
    /// its default duration unless the session set one.
    func addBuiltinProbe(_ builtinName: String, name: String?, at location: SourceLocation) throws {
        guard let builtin = BuiltinSpec.named(builtinName) else {
            throw Diagnostic("no predefined spec '\(builtinName)' ('list specs' shows them)", at: location)
        }
        let probeName = name ?? builtin.name
        try addProbe(name: probeName, spec: LocatedText(builtin.spec), at: location)
        var note = ""
        if graph.setting("duration") == nil {
            graph.setSetting("duration", builtin.duration.description)
            note = "; runs last \(builtin.duration) unless 'set duration'"
        }
        emit(.message("probe \(probeName) = \(builtin.spec)\(note)"))
    }

    /// `suggest TEXT --add`: the suggested probes join the session; one this machine cannot
    /// trace is left out with a warning, the others are added.
    func addSuggestedProbes(for text: String, at location: SourceLocation) throws {
        var added: [String] = []
        for suggestion in ProbeSuggester.suggestions(for: text) {
            let name = graph.nextProbeName()
            do {
                try addProbe(name: name, spec: LocatedText(suggestion.spec), at: location)
                added.append(name)
            } catch let diagnostic as Diagnostic {
                warn("not added: \(suggestion.spec): \(diagnostic.message)", at: location)
            }
        }
        emit(.message(added.isEmpty ? "no suggested probe could be added" : "added probe\(added.count == 1 ? "" : "s") \(added.joined(separator: ", "))"))
    }
}
