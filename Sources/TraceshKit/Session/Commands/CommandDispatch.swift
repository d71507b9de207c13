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


/// What each command does: one exhaustive `switch` over the command's kind, so the compiler
/// finds a command without its work. The declarations (Language) parse; this performs. The
/// bigger pieces of work live in the Interpreter's extension files, by concept.
extension Interpreter {
    /// Applies one parsed command. Throws a `Diagnostic` when it fails.
    public func execute(_ command: Command) throws -> Outcome {
        let location = command.location
        switch command.kind {
        // The session graph.
        case .probe(let name, let spec):
            try addProbe(name: name, spec: spec, at: location)
        case .useProbe(let name, let builtin):
            try addBuiltinProbe(builtin, name: name, at: location)
        case .filter(let filter):
            try checkProbeScope(filter.probe, at: location)
            try applyIfItChecks(at: location) { $0.filters.append(filter) }
        case .agg(let aggregation):
            try checkProbeScope(aggregation.probe, at: location)
            try applyIfItChecks(at: location) { $0.aggregations.append(aggregation) }
        case .drop(let name):
            try dropProbe(name, at: location)

        // Runs and their results.
        case .run(let request):
            return try startRun(request, at: location)
        case .stop(let id):
            let run = try selectRun(id, active: true, at: location)
            run.stop()
            run.wait()
            if run.claimReport() { report(run) }
        case .wait(let id):
            return try waitForRuns(id, at: location)
        case .runs:
            listRuns()
        case .events(let limit, let condition, let run):
            try showEvents(limit: limit, condition: condition, from: run, at: location)
        case .top(let limit, let run, let stacks):
            if stacks {
                try showTopStacks(limit: limit, from: run, at: location)
            } else {
                try showTop(limit: limit, from: run, at: location)
            }
        case .stats(let run):
            try showStatistics(from: run, at: location)
        case .results(let run):
            try showResults(from: run, at: location)
        case .record(let path):
            recordNextRun(to: path)
        case .replay(let path):
            try replay(UserPath.expand(path), at: location)

        // The session itself.
        case .show(.graph):
            emit(.graph(graph))
        case .show(.bpftrace):
            try showBpftrace()
        case .save(let path, let run):
            try save(path, from: run, at: location)
        case .load(let path):
            return try load(path, at: location)
        case .set(let name, let value):
            try assign(name, value, onlyIfUnset: false, at: location)
        case .setDefault(let name, let value):
            try assign(name, value, onlyIfUnset: true, at: location)
        case .unset(let name):
            try unset(name, at: location)
        case .help(let topic):
            try showHelp(topic, at: location)
        case .quit:
            return .quit

        // The kernel: what can be traced.
        case .caps:
            showCapabilities()
        case .list(let pattern, let verbose):
            try list(pattern, verbose: verbose, at: location)
        case .suggest(let text, let add):
            try suggest(text, add: add, at: location)
        }
        return .success
    }

    /// `save FILE [from ID]`: the file's extension says what is saved.
    private func save(_ path: String, from run: Int?, at location: SourceLocation) throws {
        if let format = StackExport(path: path) {
            try saveStacks(from: run, as: format, to: path, at: location)
        } else if let format = EventExport.Format(path: path) {
            try export(from: run, as: format, to: path, at: location)
        } else if run != nil {
            throw Diagnostic("'from ID' saves a run's events or stacks: name a .jsonl, .csv, .db, .folded or .svg file", at: location)
        } else {
            try save(to: path, at: location)
        }
    }

    private func showHelp(_ topic: String?, at location: SourceLocation) throws {
        guard let topic else {
            emit(.text(CommandHelp.overview()))
            return
        }
        guard let text = CommandHelp.topic(topic) else {
            throw Diagnostic("no command or setting '\(topic)'" + Suggestions.didYouMean(topic, in: CommandHelp.topics), at: location)
        }
        emit(.text(text))
    }

    /// `list specs`, `list u:LIB[:PATTERN]` or `list [-v] [PATTERN]` (tracepoints).
    private func list(_ pattern: String?, verbose: Bool, at location: SourceLocation) throws {
        if pattern == "specs" {
            emit(.table(ResultTable(columns: ["name", "spec", "duration", "description"], rows: BuiltinSpec.all.map {
                [.string($0.name), .string($0.spec), .string($0.duration.description), .string($0.description)]
            })))
        } else if let pattern, pattern.hasPrefix("u:") {
            try listUserFunctions(String(pattern.dropFirst(2)), at: location)
        } else {
            try listTracepoints(pattern, verbose: verbose, at: location)
        }
    }

    private func suggest(_ text: String, add: Bool, at location: SourceLocation) throws {
        let table = ProbeSuggester.table(for: text)
        guard !table.rows.isEmpty else {
            throw Diagnostic("no suggestions for '\(text)'; try words like file, network, process, memory, disk, signal, cpu", at: location)
        }
        emit(.table(table))
        if add { try addSuggestedProbes(for: text, at: location) }
    }
}
