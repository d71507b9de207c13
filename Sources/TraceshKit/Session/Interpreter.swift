import Foundation

/// Applies commands to a session. One interpreter serves the REPL, `.trc` scripts, `-e` and
/// standard input alike; the front ends only decide where text comes from and goes to.
public final class Interpreter {
    public enum Outcome: Equatable, Sendable {
        /// Every command succeeded.
        case success
        /// A command failed (the script stopped there unless `on-error` is `continue`).
        case failure
        /// `quit` was run.
        case quit
        /// Ctrl-C: the current command was stopped (a run keeps what it collected) and the
        /// commands after it were not run.
        case interrupted
    }

    public private(set) var graph = SessionGraph()
    public let output: InterpreterOutput
    /// What the kernel offers; probes are checked against it when they are added.
    public let catalog: KernelCatalog
    /// Probes already parsed and resolved, so later commands check against them without doing it again.
    var analysedProbes: [ProbeDeclaration: AnalysedProbe] = [:]
    /// The session's runs, foreground and background.
    public let runs: RunManager
    /// Called about five times a second while a foreground run goes on (for a status line).
    /// nil clears the status line (a run ended, or the waiting for it did).
    public var progress: ((Run.Status?) -> Void)?
    /// Where `record FILE` asked the next run to be recorded.
    var pendingRecording: String?
    /// Whether any command has failed in this session (for the batch exit status).
    public internal(set) var anyFailure = false
    private var loadDepth = 0
    /// Whether a CSV result was written (the next one is set apart by an empty line).
    private var wroteCSVResult = false
    /// The file whose commands are running (nil for interactive input), for warnings.
    private var currentOrigin: String?

    /// The output format the front end asked for (`--format`); `set format` overrides it. Kept
    /// out of the graph, so that `save` writes what the session set, not the front end's options.
    public let defaultFormat: OutputFormat

    /// `runs` may be shared by several sessions (the agent's programs), so that one place stops them all.
    public init(output: InterpreterOutput, variables: [Setting] = [], format: OutputFormat? = nil, catalog: KernelCatalog = .live,
                runs: RunManager = RunManager()) {
        self.output = output
        self.catalog = catalog
        self.runs = runs
        self.defaultFormat = format ?? .table
        for variable in variables { graph.setVariable(variable.name, variable.value) }
    }

    public var format: OutputFormat { Settings.format(graph) ?? defaultFormat }

    /// Runs source text: a whole script, one REPL entry, or one `-e` argument.
    /// `origin` names the file in diagnostics (nil for interactive input).
    @discardableResult
    public func run(source: String, origin: String?, firstLine: Int = 1) -> Outcome {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let outerOrigin = currentOrigin
        currentOrigin = origin
        defer { currentOrigin = outerOrigin }
        var outcome = Outcome.success
        for text in ScriptSplitter.split(source, firstLine: firstLine) {
            if runs.isInterrupted {
                // Ctrl-C before this command began: it and the rest are not run, and say so.
                output.report(Diagnostic("interrupted; this command and those after it were not run", at: text.location(at: 0), severity: .note),
                              origin: origin, sourceLine: nil)
                return .interrupted
            }
            do {
                let expanded = try VariableExpander.expand(text) { [graph] in graph.variable($0) }
                let command = try CommandParser.parse(expanded)
                switch try execute(command) {
                case .quit: return .quit
                case .interrupted: return .interrupted
                case .success, .failure: break
                }
            } catch let diagnostic as Diagnostic {
                var located = diagnostic
                if located.location == nil { located.location = text.location(at: 0) }
                let lineIndex = (located.location?.line ?? firstLine) - firstLine
                let sourceLine = lines.indices.contains(lineIndex) ? lines[lineIndex] : nil
                output.report(located, origin: origin, sourceLine: sourceLine)
                anyFailure = true
                outcome = .failure
                if !Settings.continuesOnError(graph) { return .failure }
            } catch is LoadFailed {
                anyFailure = true
                outcome = .failure
                if !Settings.continuesOnError(graph) { return .failure }
            } catch {
                output.report(Diagnostic("\(error)", at: text.location(at: 0)), origin: origin, sourceLine: nil)
                anyFailure = true
                outcome = .failure
                if !Settings.continuesOnError(graph) { return .failure }
            }
        }
        return outcome
    }

    /// Applies one parsed command. Throws a `Diagnostic` when it fails.
    public func execute(_ command: Command) throws -> Outcome {
        switch command.kind {
        case .probe(let name, let spec):
            try addProbe(name: name, spec: spec, at: command.location)
        case .filter(let filter):
            try checkProbeScope(filter.probe, at: command.location)
            try applyIfItChecks(at: command.location) { $0.filters.append(filter) }
        case .agg(let aggregation):
            try checkProbeScope(aggregation.probe, at: command.location)
            try applyIfItChecks(at: command.location) { $0.aggregations.append(aggregation) }
        case .set(let name, let value):
            try set(name, value, at: command.location)
        case .unset(let name):
            try unset(name, at: command.location)
        case .drop(let name):
            if let dropped = graph.probe(named: name) { analysedProbes[dropped] = nil }
            guard graph.dropProbe(named: name) else {
                throw Diagnostic("no probe named '\(name)'" + Suggestions.didYouMean(name, in: graph.probes.map(\.name)), at: command.location)
            }
        case .show(.graph):
            emit(.graph(graph))
        case .save(let path):
            try save(to: path, at: command.location)
        case .load(let path):
            return try load(path, at: command.location)
        case .help(let topic):
            try help(topic, at: command.location)
        case .quit:
            return .quit
        case .suggest(let text):
            let table = ProbeSuggester.table(for: text)
            guard !table.rows.isEmpty else {
                throw Diagnostic("no suggestions for '\(text)'; try words like file, network, process, memory, disk, signal, cpu", at: command.location)
            }
            emit(.table(table))
        case .show(.bpftrace):
            try showBpftrace()
        case .caps:
            showCapabilities()
        case .list(let pattern):
            try listTracepoints(pattern, at: command.location)
        case .run(let request):
            return try startRun(request, at: command.location)
        case .runs:
            listRuns()
        case .stop(let id):
            let run = try selectRun(id, active: true, at: command.location)
            run.stop()
            run.wait()
            if run.claimReport() { report(run) }
        case .wait(let id):
            return try waitForRuns(id, at: command.location)
        case .events(let limit, let condition):
            try showEvents(limit: limit, condition: condition, at: command.location)
        case .top(let limit):
            try showTop(limit: limit, at: command.location)
        case .stats:
            try showStatistics(at: command.location)
        case .record(let path):
            pendingRecording = UserPath.expand(path)
            emit(.message("the next run will be recorded to \(UserPath.expand(path))"))
        case .replay(let path):
            try replay(UserPath.expand(path), at: command.location)
        }
        return .success
    }

    /// Renders a result in the session's format and writes it. CSV results are separated by an
    /// empty line, each with its own header.
    public func emit(_ result: CommandResult) {
        let text = Renderers.renderer(for: format).render(result)
        if format == .csv {
            output.write(wroteCSVResult ? "\n" + text : text)
            wroteCSVResult = true
        } else {
            output.write(text)
        }
    }

    private func addProbe(name: String?, spec: LocatedText, at location: SourceLocation) throws {
        let probeName = name ?? graph.nextProbeName()
        if graph.probe(named: probeName) != nil {
            throw Diagnostic("a probe named '\(probeName)' already exists; 'drop \(probeName)' first or choose another name", at: location)
        }
        let parsed = try SpecParser.parse(spec)
        // bpftrace's spellings are aliases: the session keeps (and `save` writes) trace.py's.
        let declaration = ProbeDeclaration(name: probeName, spec: SpecParser.usesBpftraceSpelling(spec.string) ? parsed.text : spec.string)
        try analyse(declaration, spec: parsed, at: spec.location(at: 0))
        var next = graph
        next.probes.append(declaration)
        do {
            try checkSession(next, at: location)
        } catch var diagnostic as Diagnostic {
            // An earlier filter or aggregation that does not fit this probe refuses it.
            let prefix = "probe '\(probeName)': "
            let message = diagnostic.message.hasPrefix(prefix) ? String(diagnostic.message.dropFirst(prefix.count)) : diagnostic.message
            let origin = diagnostic.location.map { " (the command at \($0))" } ?? ""
            diagnostic = Diagnostic("probe '\(probeName)' does not fit an earlier filter or aggregation\(origin): \(message)", at: location)
            analysedProbes[declaration] = nil
            throw diagnostic
        }
        graph = next
        if name == nil { emit(.message("probe \(probeName) added")) }
    }

    /// Applies a change to the graph, keeping it only when the semantic pass accepts it.
    private func applyIfItChecks(at location: SourceLocation, _ change: (inout SessionGraph) -> Void) throws {
        var next = graph
        change(&next)
        try checkSession(next, at: location)
        graph = next
    }

    private func checkProbeScope(_ probe: String?, at location: SourceLocation) throws {
        guard let probe, graph.probe(named: probe) == nil else { return }
        throw Diagnostic("no probe named '\(probe)'" + Suggestions.didYouMean(probe, in: graph.probes.map(\.name)), at: location)
    }

    private func set(_ name: String, _ value: String, at location: SourceLocation) throws {
        if Settings.isSetting(name) {
            do {
                graph.setSetting(name, try Settings.validate(name, value, in: graph))
            } catch var diagnostic as Diagnostic {
                diagnostic.location = location
                throw diagnostic
            }
            return
        }
        guard !name.contains("-") else {
            throw Diagnostic("unknown setting '\(name)'" + Suggestions.didYouMean(name, in: Settings.names) + " (variable names use letters, digits and '_')", at: location)
        }
        graph.setVariable(name, value)
    }

    private func unset(_ name: String, at location: SourceLocation) throws {
        if graph.settings.contains(where: { $0.name == name }) {
            graph.settings.removeAll { $0.name == name }
        } else if graph.variables.contains(where: { $0.name == name }) {
            graph.variables.removeAll { $0.name == name }
        } else {
            let known = graph.settings.map(\.name) + graph.variables.map(\.name)
            throw Diagnostic("'\(name)' is not set" + Suggestions.didYouMean(name, in: known), at: location)
        }
    }

    private func save(to path: String, at location: SourceLocation) throws {
        let target = UserPath.expand(path)
        do {
            try SafeFile.write(Array(ScriptWriter.script(for: graph).utf8), to: target)
        } catch {
            throw error.diagnostic(at: location)
        }
        emit(.message("saved \(graph.probes.count) probe(s), \(graph.filters.count) filter(s), \(graph.aggregations.count) aggregation(s) to \(target)"))
    }

    private func load(_ path: String, at location: SourceLocation) throws -> Outcome {
        guard loadDepth < 16 else {
            throw Diagnostic("'load' is nested more than 16 deep (does '\(path)' load itself?)", at: location)
        }
        let origin = UserPath.expand(path)
        let source: String
        do {
            source = try ScriptSource.read(origin)
        } catch let error as FileError {
            throw error.diagnostic(at: location)
        } catch let diagnostic as Diagnostic {
            // Located in the loaded file, so it is reported against that file.
            output.report(diagnostic, origin: origin, sourceLine: nil)
            throw LoadFailed()
        }
        loadDepth += 1
        defer { loadDepth -= 1 }
        let outcome = run(source: source, origin: origin)
        if outcome == .failure { throw LoadFailed() }
        if outcome == .interrupted { return .interrupted }
        return outcome
    }

    private func help(_ topic: String?, at location: SourceLocation) throws {
        guard let topic else {
            let width = CommandCatalog.entries.map(\.usage.count).max() ?? 0
            var lines = ["Commands (help COMMAND for details):"]
            for entry in CommandCatalog.entries {
                lines.append("  " + entry.usage.padding(toLength: width + 2, withPad: " ", startingAt: 0) + entry.summary)
            }
            emit(.text(lines.joined(separator: "\n")))
            return
        }
        if topic == "expressions" {
            // Printed from the same table the resolver reads.
            emit(.text((["Names in expressions (type, where they can be evaluated):"] + NameTable.helpLines).joined(separator: "\n")))
            return
        }
        guard let entry = CommandCatalog.entry(topic) else {
            throw Diagnostic("no command '\(topic)'" + Suggestions.didYouMean(topic, in: CommandCatalog.names), at: location)
        }
        var lines = ["usage: \(entry.usage)", "", entry.summary, "", "example:", "  \(entry.example)"]
        if entry.name == "set" {
            lines += ["", "settings:"] + CommandCatalog.settings.map { "  \($0.name): \($0.summary)" }
        }
        emit(.text(lines.joined(separator: "\n")))
    }

    /// Reports a warning about the command at `location` (the command itself goes on).
    func warn(_ message: String, at location: SourceLocation) {
        output.report(Diagnostic(message, at: location, severity: .warning), origin: currentOrigin, sourceLine: nil)
    }
}

/// A `load` whose script failed; its own diagnostics were already reported.
struct LoadFailed: Error {}
