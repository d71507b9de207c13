import Foundation
@_exported import TraceshModel
@_exported import TraceshFiles
@_exported import TraceshKernel
@_exported import TraceshLanguage
@_exported import TraceshSuggest
@_exported import TraceshSemantics
@_exported import TraceshPlan
@_exported import TraceshRuntime
@_exported import TraceshAnalysis
@_exported import TraceshOutput
@_exported import TraceshExport

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

    public internal(set) var graph = SessionGraph()
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
    /// Shows one interval of a foreground `run ... every INTERVAL` (table format): a terminal
    /// front end redraws it in place of the run's previous interval; nil appends each one.
    public var intervalView: ((_ run: Int, _ interval: Int64, _ text: String) -> Void)?
    /// Where `record FILE` asked the next run to be recorded.
    var pendingRecording: String?
    /// Whether any command has failed in this session (for the batch exit status).
    public internal(set) var anyFailure = false
    private var loadDepth = 0
    /// Whether a CSV result was written (the next one is set apart by an empty line).
    var wroteCSVResult = false
    /// Variables given as NAME=VALUE on the command line: a script's `set NAME` does not replace
    /// them (as make's command-line variables win over the makefile's), `default NAME` leaves them.
    var commandLineVariables: Set<String> = []
    /// The file whose commands are running (nil for interactive input), for warnings.
    private(set) var currentOrigin: String?

    /// The terminal's width when the output goes to one (the front end knows); tables fit it.
    public var terminalWidth: (() -> Int?)?

    /// The output format the front end asked for (`--format`); `set format` overrides it. Kept
    /// out of the graph, so that `save` writes what the session set, not the front end's options.
    public let defaultFormat: OutputFormat
    /// Whether foreground runs show events as they arrive when the session has not said
    /// (`set live`): the front end turns it on when standard output is a terminal.
    public let defaultLive: Bool

    /// `runs` may be shared by several sessions (the agent's programs), so that one place stops them all.
    public init(output: InterpreterOutput, variables: [Setting] = [], format: OutputFormat? = nil, catalog: KernelCatalog = .live,
                runs: RunManager = RunManager(), live: Bool = false) {
        self.output = output
        self.catalog = catalog
        self.runs = runs
        self.defaultFormat = format ?? .table
        self.defaultLive = live
        for variable in variables {
            // `duration=30s` names the setting a runbook's `default duration 10s` gives, so it
            // sets that setting: one value, which `$duration` and a bare `run` both read.
            if let setting = Settings.declaration(variable.name), let canonical = try? setting.validate(variable.value, in: graph) {
                graph.setSetting(variable.name, canonical)
            } else {
                graph.setVariable(variable.name, variable.value)
            }
            commandLineVariables.insert(variable.name)
        }
    }

    /// The variables of a command line's `NAME=VALUE` arguments (`tracesh SCRIPT NAME=VALUE...`,
    /// `tracesh serve SCRIPT NAME=VALUE...`). Throws, for the front end to refuse before anything
    /// runs, at an argument without `=`, a name that is not one, or a setting's value that does not
    /// validate (`duration=abc`).
    public static func commandLineVariables(_ assignments: some Sequence<String>) throws(CommandLineError) -> [Setting] {
        var variables: [Setting] = []
        var graph = SessionGraph()
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw CommandLineError("expected NAME=VALUE, found '\(assignment)'")
            }
            let variable = Setting(name: String(assignment[..<equals]), value: String(assignment[assignment.index(after: equals)...]))
            guard variable.name.isIdentifier else {
                throw CommandLineError("invalid variable name '\(variable.name)' in '\(assignment)'")
            }
            if let setting = Settings.declaration(variable.name) {
                do {
                    graph.setSetting(variable.name, try setting.validate(variable.value, in: graph))
                } catch let diagnostic as Diagnostic {
                    throw CommandLineError("\(variable.name)=\(variable.value): \(diagnostic.message)")
                } catch {
                    throw CommandLineError("\(variable.name)=\(variable.value): \(error)")
                }
            }
            variables.append(variable)
        }
        return variables
    }

    /// Why a command line cannot be used, in words for its front end's usage error.
    public struct CommandLineError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// The value `$NAME` stands for: a variable, else a setting's value in force (a runbook's
    /// `default duration 10s` then `run $duration`), else nil.
    static func value(of name: String, in graph: SessionGraph) -> String? {
        graph.variable(name) ?? Settings.declaration(name)?.value(in: graph)
    }

    public var format: OutputFormat { Settings.format(graph) ?? defaultFormat }

    /// Whether a foreground run shows its events as they arrive.
    public var live: Bool { Settings.live(graph) ?? defaultLive }

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
            // Kept for the error path, to name a variable whose value an error is about.
            var expansion: VariableExpander.Expansion?
            if runs.isInterrupted {
                // Ctrl-C before this command began: it and the rest are not run, and say so.
                output.report(Diagnostic("interrupted; this command and those after it were not run", at: text.location(at: 0), severity: .note),
                              origin: origin, sourceLine: nil)
                return .interrupted
            }
            do {
                let expanded = try VariableExpander.expand(text) { [graph] in Self.value(of: $0, in: graph) }
                expansion = expanded
                // In the shell the user sees what they typed; a script's `$pid` falling back to
                // the built-in is more likely a forgotten `pid=...`.
                if origin != nil {
                    for note in expanded.notes { output.report(note, origin: origin, sourceLine: nil) }
                }
                let command = try CommandParser.parse(expanded.text)
                switch try execute(command) {
                case .quit: return .quit
                case .interrupted: return .interrupted
                case .success, .failure: break
                }
            } catch let diagnostic as Diagnostic {
                var located = diagnostic
                if located.location == nil { located.location = text.location(at: 0) }
                if let variables = expansion?.variablesNote { located.message += " " + variables }
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

    /// Renders a result in the session's format and writes it. CSV results are separated by an
    /// empty line, each with its own header.
    public func emit(_ result: CommandResult) {
        let text = Renderers.renderer(for: format, width: terminalWidth?()).render(result)
        if format == .csv {
            output.write(wroteCSVResult ? "\n" + text : text)
            wroteCSVResult = true
        } else {
            output.write(text)
        }
    }

    func addProbe(name: String?, spec: LocatedText, at location: SourceLocation) throws {
        let probeName = name ?? graph.nextProbeName()
        // The parser only makes names like this; commands built in code (an embedding program) are checked too.
        guard let first = probeName.first, first.isIdentifierStart, probeName.allSatisfy(\.isIdentifierBody) else {
            throw Diagnostic("invalid probe name \(probeName.prefix(100).debugDescription): a name is letters, digits and '_', not starting with a digit", at: location)
        }
        if graph.probe(named: probeName) != nil {
            throw Diagnostic("a probe named '\(probeName)' already exists; 'drop \(probeName)' first or choose another name", at: location)
        }
        let parsed = try SpecParser.parse(spec)
        // bpftrace's spellings are aliases: the session keeps (and `save` writes) trace.py's.
        let declaration = ProbeDeclaration(name: probeName, spec: SpecParser.usesBpftraceSpelling(spec.string) ? parsed.text : spec.string)
        try analyse(declaration, spec: parsed, at: spec.location(at: 0))
        if let probe = analysedProbes[declaration] {
            do { try refuseCountingTwice(probe, at: location) } catch {
                analysedProbes[declaration] = nil
                throw error
            }
        }
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
        // A wildcard's reach is said before anything runs (how many tracepoints, or one raw_syscalls
        // probe), and so is what `sys_open` covers beyond open(2).
        if let probe = analysedProbes[declaration], parsed.target.contains("*") || !probe.resolved.familySyscalls.isEmpty {
            emit(.message("probe \(probeName): \(probe.resolved.note)"))
        }
        if let note = analysedProbes[declaration]?.resolved.returnValueNote { emit(.message("probe \(probeName): \(note)")) }
    }

    /// Applies a change to the graph, keeping it only when the semantic pass accepts it.
    func applyIfItChecks(at location: SourceLocation, _ change: (inout SessionGraph) -> Void) throws {
        var next = graph
        change(&next)
        try checkSession(next, at: location)
        graph = next
    }

    func checkProbeScope(_ probe: String?, at location: SourceLocation) throws {
        guard let probe, graph.probe(named: probe) == nil else { return }
        throw Diagnostic("no probe named '\(probe)'" + Suggestions.didYouMean(probe, in: graph.probes.map(\.name)), at: location)
    }

    func save(to path: String, at location: SourceLocation) throws {
        let target = UserPath.expand(path)
        do {
            try SafeFile.write(Array(ScriptWriter.script(for: graph).utf8), to: target)
        } catch {
            throw error.diagnostic(at: location)
        }
        emit(.message("saved \(graph.probes.count) probe(s), \(graph.filters.count) filter(s), \(graph.aggregations.count) aggregation(s) to \(target)"))
    }

    func load(_ path: String, at location: SourceLocation) throws -> Outcome {
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

    /// Reports a warning about the command at `location` (the command itself goes on).
    func warn(_ message: String, at location: SourceLocation) {
        output.report(Diagnostic(message, at: location, severity: .warning), origin: currentOrigin, sourceLine: nil)
    }
}

/// A `load` whose script failed; its own diagnostics were already reported.
struct LoadFailed: Error {}
