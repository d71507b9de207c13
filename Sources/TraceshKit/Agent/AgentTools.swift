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
import TraceshKit

/// The tools tracesh offers an AI agent (over MCP): what each is called, what it takes (a JSON
/// schema) and what it does. Every input goes through the language's parser and checks; no
/// client text reaches bpftrace as code, and runs are capped at 10 minutes.
///
/// One declaration per tool: its name is the case, and the MCP listing and `AgentTools.call`'s
/// exhaustive switch both read it.
public enum AgentTool: String, CaseIterable, Sendable {
    case caps, list, suggest, trace, replay

    public var name: String { rawValue }

    public var description: String {
        switch self {
        case .caps: "What this machine can trace: bpftrace, privileges, tracefs, probe types."
        case .list: "Tracepoints (and syscalls) whose name matches a pattern with * wildcards, e.g. syscalls:sys_enter_open*."
        case .suggest: "Probe specs worth trying for a problem described in words (file not found, slow disk, who spawns processes)."
        case .trace: """
            Trace for a while and return the events, statistics and top processes. Give BCC trace.py specs \
            (e.g. sys_openat "%s", arg2@user, r::sys_read (retval < 0), t:sched:sched_process_exec) or the \
            diagnostic agent's programs ({name, type, target, duration, filters}). Durations are at most 600 s; \
            at most max_events events per probe come back (default 200).
            """
        case .replay: "Analyse a recording made with 'record FILE' (no root or bpftrace needed)."
        }
    }

    /// The input's JSON schema, as JSON text.
    public var inputSchema: String {
        switch self {
        case .caps: #"{"type": "object", "properties": {}}"#
        case .list: #"{"type": "object", "properties": {"pattern": {"type": "string", "description": "a name pattern with * wildcards"}}}"#
        case .suggest: #"{"type": "object", "properties": {"problem": {"type": "string"}}, "required": ["problem"]}"#
        case .trace: """
            {"type": "object", "properties": {
              "specs": {"type": "array", "items": {"type": "string"}, "description": "trace.py probe specs"},
              "programs": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "type": {"type": "string"}, "target": {"type": "string"},
                "duration": {"type": "number"}, "filters": {"type": "object"}}, "required": ["name", "target"]}},
              "duration": {"type": "number", "description": "seconds, at most 600 (default 5)"},
              "filters": {"type": "object", "properties": {"process": {"type": "string"}, "pid": {"type": "integer"}, "uid": {"type": "integer"}}},
              "max_events": {"type": "integer", "description": "events returned per probe (default 200, at most 10000)"}}}
            """
        case .replay: #"{"type": "object", "properties": {"path": {"type": "string"}, "max_events": {"type": "integer"}}, "required": ["path"]}"#
        }
    }
}

/// A tool call that could not be carried out; the message is shown to the client as the tool's
/// error (a spec's error keeps its `LINE:COL`).
public struct AgentToolError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public final class AgentTools: Sendable {
    /// Events returned per probe unless the call asks for fewer (or more, up to `eventCeiling`).
    public static let defaultEventLimit = 200
    public static let eventCeiling = 10_000

    /// Every run of every call, so that signals stop them all.
    public let runs: RunManager
    let catalog: KernelCatalog

    public init(runs: RunManager = RunManager(), catalog: KernelCatalog = .live) {
        self.runs = runs
        self.catalog = catalog
    }

    public static let all = AgentTool.allCases

    struct ListArguments: Decodable { var pattern: String? }
    struct SuggestArguments: Decodable { var problem: String }
    struct TraceArguments: Decodable {
        var specs: [String]?
        var programs: [AgentProgram]?
        var duration: Double?
        var filters: AgentFilters?
        var maxEvents: Int?
        enum CodingKeys: String, CodingKey { case specs, programs, duration, filters, maxEvents = "max_events" }
    }
    struct ReplayArguments: Decodable {
        var path: String
        var maxEvents: Int?
        enum CodingKeys: String, CodingKey { case path, maxEvents = "max_events" }
    }

    /// Calls tool `name` with its arguments (a JSON object); returns the result as JSON text.
    public func call(_ name: String, arguments: Data) throws(AgentToolError) -> String {
        guard let tool = AgentTool(rawValue: name) else {
            throw AgentToolError("no tool '\(name)'" + Suggestions.didYouMean(name, in: AgentTool.allCases.map(\.name)))
        }
        do {
            switch tool {
            case .caps:
                return JSONWriter.serialize(Self.objects(Capabilities.detect(catalog: catalog).table))
            case .list:
                let pattern = try decode(ListArguments.self, arguments).pattern
                return try interpreterResult(.list(pattern: pattern))
            case .suggest:
                let problem = try decode(SuggestArguments.self, arguments).problem
                return JSONWriter.serialize(.array(ProbeSuggester.suggestions(for: problem).map {
                    .object([("spec", .string($0.spec)), ("reason", .string($0.reason))])
                }))
            case .trace:
                return try trace(try decode(TraceArguments.self, arguments))
            case .replay:
                let replay = try decode(ReplayArguments.self, arguments)
                let run = try runs.replay(UserPath.expand(replay.path), maxEvents: Settings.maxEvents(SessionGraph()))
                return JSONWriter.serialize(.array(Self.capped(RunReport.agentResponses(run.snapshot), limit: Self.eventLimit(replay.maxEvents))))
            }
        } catch let error as AgentToolError {
            throw error
        } catch let error as FileError {
            throw AgentToolError(error.diagnostic(at: nil).message)
        } catch let diagnostic as Diagnostic {
            throw AgentToolError(diagnostic.rendered(origin: nil))
        } catch {
            throw AgentToolError("\(error)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch let error as DecodingError {
            throw AgentToolError("bad arguments: " + AgentRequest.describe(error))
        }
    }

    /// Runs one language command in a fresh session and returns its JSON results as an array.
    func interpreterResult(_ kind: Command.Kind) throws -> String {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, format: .json, catalog: catalog, runs: runs)
        _ = try interpreter.execute(Command(kind, at: .start))
        let values = output.lines.flatMap { $0.split(separator: "\n") }.map(String.init)
        return "[" + values.joined(separator: ",") + "]"
    }

    func trace(_ arguments: TraceArguments) throws -> String {
        let limit = Self.eventLimit(arguments.maxEvents)
        if let programs = arguments.programs, !programs.isEmpty {
            guard arguments.specs?.isEmpty ?? true else { throw AgentToolError("give specs or programs, not both") }
            let answer = AgentSession(runs: runs, catalog: catalog).answer(AgentRequest(programs: programs), allowCommands: false)
            guard case .object(let pairs) = answer, case .array(let results)? = pairs.first(where: { $0.0 == "ebpf_results" })?.1 else {
                return JSONWriter.serialize(answer)
            }
            return JSONWriter.serialize(.array(Self.capped(results, limit: limit)))
        }
        guard let specs = arguments.specs, !specs.isEmpty else { throw AgentToolError("give at least one spec (or programs)") }
        // The same checks as an agent program's duration and filters.
        let plan = try AgentProgramPlan(AgentProgram(name: "trace", type: nil, target: "x", duration: arguments.duration ?? 5,
                                                     filters: arguments.filters, description: nil))
        let interpreter = Interpreter(output: CollectingOutput(), format: .json, catalog: catalog, runs: runs)
        for (index, spec) in specs.enumerated() {
            do {
                _ = try interpreter.execute(Command(.probe(name: "p\(index + 1)", spec: LocatedText(spec)), at: .start))
            } catch let diagnostic as Diagnostic {
                throw AgentToolError("spec \(index + 1) (\(spec)): " + diagnostic.rendered(origin: nil))
            }
        }
        if let condition = plan.filter {
            _ = try interpreter.execute(Command(.filter(Filter(probe: nil, condition: condition)), at: .start))
        }
        let run = try runs.start(RunRequest(duration: plan.duration, background: true), graph: interpreter.graph, catalog: catalog, recordTo: nil)
        run.wait()
        return JSONWriter.serialize(.array(Self.capped(RunReport.agentResponses(run.snapshot), limit: limit)))
    }

    static func eventLimit(_ asked: Int?) -> Int { min(max(asked ?? defaultEventLimit, 0), eventCeiling) }

    /// Each result's events cut to `limit`, saying so (`events_truncated`, `event_limit`).
    static func capped(_ results: [JSONValue], limit: Int) -> [JSONValue] {
        results.map { result in
            guard case .object(var pairs) = result, let index = pairs.firstIndex(where: { $0.0 == "events" }),
                  case .array(let events) = pairs[index].1 else { return result }
            pairs[index].1 = .array(Array(events.prefix(limit)))
            pairs.append(("events_truncated", .bool(events.count > limit)))
            pairs.append(("event_limit", .int(Int64(limit))))
            return .object(pairs)
        }
    }

    static func objects(_ table: ResultTable) -> JSONValue {
        .array(table.rows.map { .object(Array(zip(table.columns, $0))) })
    }
}
