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

/// Answers an agent request: every program traced at the same time, each in a session of its own
/// (so one bad program fails alone), and the commands run or reported skipped.
public final class AgentSession {
    /// All the programs' runs, so that signals stop them all.
    public let runs: RunManager
    let catalog: KernelCatalog

    public init(runs: RunManager = RunManager(), catalog: KernelCatalog = .live) {
        self.runs = runs
        self.catalog = catalog
    }

    /// The response object: `{"ebpf_results": [...], "command_results": [...]}`.
    public func answer(_ request: AgentRequest, allowCommands: Bool) -> JSONValue {
        // Start every program first, then collect: the programs trace concurrently.
        let started = request.programs.map { program in (program, start(program)) }
        var commandResults: [JSONValue] = []
        for command in request.commands {
            commandResults.append(Self.result(of: command, allowed: allowCommands))
        }
        let results = started.map { program, outcome -> JSONValue in
            switch outcome {
            case .failure(let message):
                return Self.failedResult(program, error: message)
            case .success(let run):
                run.wait()
                return Self.result(program, run: run)
            }
        }
        return .object([("ebpf_results", .array(results)), ("command_results", .array(commandResults))])
    }

    enum Start {
        case success(Run)
        case failure(String)
    }

    /// Parses, checks and starts one program, through the same commands a user types.
    func start(_ program: AgentProgram) -> Start {
        do {
            let plan: AgentProgramPlan
            do { plan = try AgentProgramPlan(program, catalog: catalog) } catch { return .failure(error.description) }
            let interpreter = Interpreter(output: CollectingOutput(), format: .json, catalog: catalog, runs: runs)
            do {
                _ = try interpreter.execute(Command(.probe(name: plan.probeName, spec: LocatedText(plan.spec)), at: .start))
            } catch let diagnostic as Diagnostic {
                // The place in the spec the target became, as the MCP tools say it.
                return .failure("target (spec \(Self.quoted(plan.spec))): " + diagnostic.rendered(origin: nil))
            }
            if let condition = plan.filter {
                do {
                    _ = try interpreter.execute(Command(.filter(Filter(probe: plan.probeName, condition: condition)), at: .start))
                } catch let diagnostic as Diagnostic {
                    return .failure("filters: " + diagnostic.message)
                }
            }
            return .success(try runs.start(RunRequest(duration: plan.duration, background: true), graph: interpreter.graph,
                                           catalog: catalog, recordTo: nil))
        } catch let error as AgentProgramError {
            return .failure(error.description)
        } catch let diagnostic as Diagnostic {
            return .failure(diagnostic.message)
        } catch {
            return .failure("\(error)")
        }
    }

    /// `text` in quotes for an error message, cut after 200 characters.
    static func quoted(_ text: String) -> String {
        text.count > 200 ? "'\(text.prefix(200))...' (\(text.count) characters)" : "'\(text)'"
    }

    /// The run result in the agent's shape (the program's name and target, not the probe's).
    static func result(_ program: AgentProgram, run: Run) -> JSONValue {
        guard case .object(var pairs)? = RunReport.agentResponses(run.snapshot).first else {
            return failedResult(program, error: run.status.failure ?? "the run produced no result")
        }
        func set(_ key: String, _ value: JSONValue) {
            if let index = pairs.firstIndex(where: { $0.0 == key }) { pairs[index].1 = value } else { pairs.append((key, value)) }
        }
        set("name", .string(program.name))
        set("target", .string(program.target))
        set("description", program.description.map(JSONValue.string) ?? .null)
        return .object(pairs)
    }

    static func failedResult(_ program: AgentProgram, error: String) -> JSONValue {
        .object([
            ("name", .string(program.name)),
            ("type", .string("bcc_trace")),
            ("target", .string(program.target)),
            ("description", program.description.map(JSONValue.string) ?? .null),
            ("duration", .double(0)),
            ("status", .string("failed")),
            ("success", .bool(false)),
            ("error", .string(error)),
            ("event_count", .int(0)),
            ("events", .array([])),
            ("statistics", RunReport.statisticsJSON(Statistics(probeCount: 0), duration: 0)),
        ])
    }

    /// The longest a command may run, whatever it asks.
    static let commandTimeoutCeiling: Double = 600
    static let defaultCommandTimeout: Double = 30

    static func result(of command: AgentCommand, allowed: Bool) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("id", .string(command.id)), ("command", .string(command.command))]
        guard allowed else {
            pairs += [("status", .string("skipped")), ("reason", .string("commands run only when tracesh api is given --allow-commands"))]
            return .object(pairs)
        }
        do {
            let argv = try WordScanner.words(LocatedText(command.command)).map(\.text)
            let timeout = min(max(command.timeout ?? defaultCommandTimeout, 0.001), commandTimeoutCeiling)
            let captured = try CapturedCommand.run(argv, timeout: timeout)
            pairs += [("status", .string(captured.timedOut ? "timed_out" : "completed")), ("exit_code", .int(Int64(captured.exitCode))),
                      ("stdout", .string(captured.standardOutput)), ("stderr", .string(captured.standardError))]
        } catch let diagnostic as Diagnostic {
            pairs += [("status", .string("failed")), ("error", .string(diagnostic.message))]
        } catch {
            pairs += [("status", .string("failed")), ("error", .string("\(error)"))]
        }
        return .object(pairs)
    }
}
