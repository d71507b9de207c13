import ArgumentParser
import Foundation
import MCP
import TraceshAgent
import TraceshKit

/// `tracesh mcp`: a Model Context Protocol server on standard input and output, so that an AI
/// agent can trace through tracesh (the tools are `AgentTools`).
struct MCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve tracesh's tools (caps, list, suggest, trace, replay) over MCP on stdio.",
        discussion: """
        Every input goes through tracesh's parser and checks; an invalid spec is a tool error with
        its located message; runs last at most 10 minutes; nothing a client sends reaches bpftrace
        as code. Standard output carries the protocol only.
        """
    )

    func run() throws {
        let tools = AgentTools()
        Signals.watch(runs: tools.runs, interactive: { false }, terminal: nil)
        let finished = DispatchSemaphore(value: 0)
        Task {
            do { try await Self.serve(tools) } catch {
                writeAll(STDERR_FILENO, Array("tracesh mcp: \(error)\n".utf8))
            }
            finished.signal()
        }
        finished.wait()
        tools.runs.shutdown()
    }

    static func serve(_ tools: AgentTools) async throws {
        let server = Server(name: "tracesh", version: TraceshCommand.version, capabilities: .init(tools: .init(listChanged: false)))
        let listed = try AgentTools.all.map { tool in
            Tool(name: tool.name, description: tool.description, inputSchema: try JSONDecoder().decode(Value.self, from: Data(tool.inputSchema.utf8)))
        }
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: listed) }
        await server.withMethodHandler(CallTool.self) { params in
            let arguments = try JSONEncoder().encode(params.arguments ?? [:])
            // A call may trace for minutes: it runs on a thread of its own, not the server's.
            let result: Result<String, AgentToolError> = await withCheckedContinuation { continuation in
                Thread {
                    continuation.resume(returning: Result { () throws(AgentToolError) -> String in
                        try tools.call(params.name, arguments: arguments)
                    })
                }.start()
            }
            switch result {
            case .success(let text): return .init(content: [.text(text: text, annotations: nil, _meta: nil)], isError: false)
            case .failure(let error): return .init(content: [.text(text: error.description, annotations: nil, _meta: nil)], isError: true)
            }
        }
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}
