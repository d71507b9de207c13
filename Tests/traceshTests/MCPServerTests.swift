import Foundation
import MCP
import SystemPackage
import Testing

/// `tracesh mcp` driven by a real MCP client (the official Swift SDK's) over its stdio.
@Suite struct MCPServerTests {
    @Test(.live) func aClientListsToolsTracesAHelperAndAnInjectedSpecIsRefused() async throws {
        let directory = try TemporaryDirectory()
        // A program whose name (comm) is ours alone, opening a file over and over.
        let loop = try RenamedCommandLoop(name: "mcphelper", in: directory)
        defer { withExtendedLifetime(loop) {} }
        let target = loop.target

        let server = try await MCPTestServer.start(clientName: "tracesh-tests")
        let client = server.client

        let tools = try await client.listTools().tools
        #expect(Set(tools.map(\.name)) == ["caps", "list", "suggest", "trace", "replay"])

        let traced = try await client.callTool(name: "trace", arguments: [
            "specs": .array([.string(#"sys_openat "%s", arg2@user"#)]),
            "filters": .object(["process": .string("mcphelper")]),
            "duration": .double(1.5), "max_events": .int(400),
        ])
        #expect(traced.isError != true, "\(traced.content)")
        guard case .text(let text, _, _)? = traced.content.first else {
            Issue.record("no text content: \(traced.content)")
            return
        }
        let results = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        let events = try #require(results.first?["events"] as? [[String: Any]])
        #expect(!events.isEmpty && events.count <= 400)
        #expect(events.allSatisfy { $0["process_name"] as? String == "mcphelper" })
        #expect(events.contains { $0["message"] as? String == target }, "\(events.prefix(8).map { $0["message"] ?? "" })")
        #expect(results.first?["event_limit"] as? Int == 400)

        // A spec that tries to smuggle bpftrace code in is a located error, and nothing runs.
        let injected = try await client.callTool(name: "trace", arguments: ["specs": .array([.string(#"sys_openat } system("id") {"#)])])
        #expect(injected.isError == true)
        guard case .text(let message, _, _)? = injected.content.first else { return }
        #expect(message.contains("1:12: error: unexpected character '}'"), "\(message)")

        let tooLong = try await client.callTool(name: "trace", arguments: ["specs": .array([.string("sys_read")]), "duration": .int(3600)])
        #expect(tooLong.isError == true)

        await client.disconnect()
        #expect(try server.finish() == 0)
    }
}
