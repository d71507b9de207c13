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

/// The diagnostic agent's request: shell commands it would like run, and eBPF programs to trace.
///
///     {"commands": [{"id": "cmd1", "command": "ps aux"}],
///      "ebpf_programs": [{"name": "file_monitoring", "type": "kprobe", "target": "sys_open",
///        "duration": 30, "filters": {"process": "nginx", "pid": 1234, "uid": 33},
///        "description": "Monitor file access by nginx"}]}
public struct AgentRequest: Decodable, Sendable {
    public var commands: [AgentCommand]
    public var programs: [AgentProgram]

    enum CodingKeys: String, CodingKey {
        case commands
        case programs = "ebpf_programs"
    }

    public init(commands: [AgentCommand] = [], programs: [AgentProgram] = []) {
        self.commands = commands
        self.programs = programs
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        commands = try container.decodeIfPresent([AgentCommand].self, forKey: .commands) ?? []
        programs = try container.decodeIfPresent([AgentProgram].self, forKey: .programs) ?? []
    }

    /// Decodes a request, with an error that says where the JSON was wrong.
    public static func decode(_ data: Data) throws(AgentRequestError) -> AgentRequest {
        do {
            return try JSONDecoder().decode(AgentRequest.self, from: data)
        } catch let error as DecodingError {
            throw AgentRequestError(message: Self.describe(error))
        } catch {
            throw AgentRequestError(message: "the request is not JSON: \(error.localizedDescription)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return text.isEmpty ? "the request" : String(text.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing \"\(key.stringValue)\""
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the request is not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "the request could not be read"
        }
    }
}

/// A request that could not be decoded; answered with a JSON error object and exit status 2.
public struct AgentRequestError: Error, Sendable {
    public var message: String
}

/// A shell command the agent asks for (run only with `--allow-commands`, and without a shell).
public struct AgentCommand: Codable, Sendable {
    public var id: String
    public var command: String
    /// Seconds before the command is killed (default 30, at most 600).
    public var timeout: Double?
}

/// One eBPF program of the request: what to trace, for how long, and for which processes.
public struct AgentProgram: Decodable, Sendable {
    public var name: String
    /// kprobe, kretprobe, tracepoint, uprobe, uretprobe, or a trace.py letter (p, r, t, u).
    public var type: String?
    /// A function, `CATEGORY:EVENT` for a tracepoint, `LIBRARY:FUNCTION` for a uprobe, or a whole
    /// trace.py spec.
    public var target: String
    /// Seconds (default 10; at most 600).
    public var duration: Double?
    public var filters: AgentFilters?
    public var description: String?

    public init(name: String, type: String?, target: String, duration: Double?, filters: AgentFilters?, description: String?) {
        self.name = name
        self.type = type
        self.target = target
        self.duration = duration
        self.filters = filters
        self.description = description
    }
}

/// Which processes a program traces; each becomes a predicate evaluated in the kernel.
public struct AgentFilters: Decodable, Sendable {
    /// The process name (`comm`), at most 15 bytes as the kernel keeps it.
    public var process: String?
    public var pid: Int64?
    public var uid: Int64?

    public init(process: String? = nil, pid: Int64? = nil, uid: Int64? = nil) {
        self.process = process
        self.pid = pid
        self.uid = uid
    }
}
