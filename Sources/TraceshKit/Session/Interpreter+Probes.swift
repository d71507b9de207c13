import Foundation
import TraceshModel
import TraceshFiles
import TraceshKernel
import TraceshLanguage
import TraceshSuggest
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshOutput
import TraceshExport

/// The commands about probes and the kernel: `show bpftrace`, `caps`, `list`.
extension Interpreter {
    /// The program a run would use now (with a fresh framing boundary; the sync probe is added
    /// at run time).
    func showBpftrace() throws {
        let program = try ProgramCompiler.compile(graph, catalog: catalog, probes: try? cachedProbes(graph),
                                                  options: CompileOptions(excludeTracer: Settings.tracesSelf(graph) ? nil : Int64(getpid()),
                                                                          stream: Settings.streamMode(graph), stacks: Settings.stackEvents(graph)))
        // Said when it is not the kernel's own tracefs (a run needs that, and will read it).
        let source = catalog.isCache ? "// tracepoint formats from \(catalog.sourceDescription)\n" : ""
        emit(.text(source + program.source))
    }

    func showCapabilities() {
        emit(.table(Capabilities.detect(catalog: catalog).table))
    }

    /// Tracepoints matching a glob (`sched:*`, `*open*`); all of them without a pattern.
    func listTracepoints(_ pattern: String?, verbose: Bool, at location: SourceLocation) throws {
        guard catalog.isReadable else {
            throw Diagnostic("cannot list tracepoints: tracefs is not mounted or not readable (try 'caps')", at: location)
        }
        let matches = catalog.tracepoints().filter { name in pattern.map { Self.tracepoint(name, matches: $0) } ?? true }
        guard verbose else {
            emit(.table(ResultTable(columns: ["tracepoint"], rows: matches.map { [.string($0)] })))
            return
        }
        var rows: [[JSONValue]] = []
        for name in matches {
            guard let format = catalog.format(of: name) else { continue }
            let isSyscall = name.hasPrefix("syscalls:")
            var argument = 0
            for field in format.fields where field.name != "__syscall_nr" {
                argument += 1
                let specName = isSyscall ? "arg\(argument)" : "args->\(field.name)"
                rows.append([.string(name), .string(field.name), .string(field.type), .string(specName)])
            }
        }
        emit(.table(ResultTable(columns: ["tracepoint", "field", "type", "name"], rows: rows)))
    }

    /// `sched:*` (a pattern with wildcards) against `category:event`, `t:category:event` or the
    /// event alone; a plain word (`openat`) is found anywhere in the name.
    static func tracepoint(_ name: String, matches pattern: String) -> Bool {
        if !pattern.contains(where: { "*?[".contains($0) }) { return name.contains(pattern) }
        let event = name.split(separator: ":").last.map(String.init) ?? name
        // `sys_open*` as a spec names syscalls: their entry and exit tracepoints.
        var patterns = [pattern]
        if pattern.hasPrefix("sys_"), !pattern.hasPrefix("sys_enter"), !pattern.hasPrefix("sys_exit") {
            patterns += ["sys_enter_" + pattern.dropFirst(4), "sys_exit_" + pattern.dropFirst(4)]
        }
        return patterns.contains { fnmatch($0, name, 0) == 0 || fnmatch($0, "t:" + name, 0) == 0 || fnmatch($0, event, 0) == 0 }
    }

    /// `list u:LIBRARY[:PATTERN]`: a binary's functions (from its symbol tables) and USDT probes.
    func listUserFunctions(_ target: String, at location: SourceLocation) throws {
        var library = target, pattern: String?
        if let colon = target.lastIndex(of: ":"), !target[target.index(after: colon)...].contains("/") {
            library = String(target[..<colon])
            pattern = String(target[target.index(after: colon)...])
        }
        guard let path = LibraryResolver().resolve(library) else {
            throw Diagnostic("no library or executable '\(library)' (give a path, or a name such as c or pthread)", at: location)
        }
        let elf: ELFFile
        do { elf = try ELFFile(path: path) } catch { throw Diagnostic("cannot read '\(path)': \(error)", at: location) }
        func wanted(_ name: String) -> Bool {
            guard let pattern, !pattern.isEmpty else { return true }
            return pattern.contains(where: { "*?[".contains($0) }) ? fnmatch(pattern, name, 0) == 0 : name.contains(pattern)
        }
        var rows: [[JSONValue]] = elf.usdtProbes.filter { wanted($0.name) }.map { [.string("usdt"), .string("\($0.provider):\($0.name)")] }
        rows += elf.functions.filter(wanted).sorted().map { [.string("function"), .string($0)] }
        emit(.table(ResultTable(columns: ["kind", "name"], rows: rows, title: path)))
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

    /// A probe on `sys_open`'s family and one on a syscall of it (`r::sys_open` with
    /// `r::sys_openat`) would both see each such call, so every one would count twice (events,
    /// stats, top): refused, saying how to count them apart. Two probes that name the same
    /// syscalls alike are the user's explicit choice and are left alone.
    func refuseCountingTwice(_ new: AnalysedProbe, at location: SourceLocation) throws {
        let points = Set(new.resolved.attachments.map(\.probe))
        for declaration in graph.probes {
            guard let old = analysedProbes[declaration], new.resolved.familySyscalls.isEmpty != old.resolved.familySyscalls.isEmpty else { continue }
            let shared = old.resolved.attachments.filter { points.contains($0.probe) }
            guard !shared.isEmpty else { continue }
            let family = new.resolved.familySyscalls.isEmpty ? old : new
            let isReturn = family.resolved.kind == .syscallExit
            let spelling = (isReturn ? "r::" : "") + family.spec.target
            let members = family.resolved.familySyscalls
            let both = members.filter { name in shared.contains { $0.probe.hasSuffix("_" + name) } }
            let alone = members.filter { !both.contains($0) }.map { "t:syscalls:sys_\(isReturn ? "exit" : "enter")_\($0)" }
            throw Diagnostic(
                "probe '\(new.declaration.name)' and probe '\(old.declaration.name)' would both see every \(both.joined(separator: ", ")) call, counting each twice: '\(spelling)' means \(members.joined(separator: ", ")) (libc opens with openat); "
                    + "count them apart with one probe ('probe \(family.declaration.name) = \(spelling)' and 'agg \(family.declaration.name): count by function'), or probe each syscall by name"
                    + (alone.isEmpty ? "" : " (\(alone.joined(separator: ", ")) for the others alone)"),
                at: location)
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
