import Foundation
import MCP
import SystemPackage

/// `tracesh mcp` started for a test, with a real MCP client connected over its stdio.
struct MCPTestServer {
    let process: Process
    let client: Client
    private let toServer: Pipe

    static func start(clientName: String, environment: [String: String] = [:]) async throws -> MCPTestServer {
        let process = Process()
        process.executableURL = Tracesh.binary
        process.arguments = ["mcp"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let toServer = Pipe(), fromServer = Pipe()
        process.standardInput = toServer
        process.standardOutput = fromServer
        process.standardError = FileHandle.nullDevice
        try process.run()
        let transport = StdioTransport(input: FileDescriptor(rawValue: fromServer.fileHandleForReading.fileDescriptor),
                                       output: FileDescriptor(rawValue: toServer.fileHandleForWriting.fileDescriptor))
        let client = Client(name: clientName, version: "1.0")
        _ = try await client.connect(transport: transport)
        return MCPTestServer(process: process, client: client, toServer: toServer)
    }

    /// Closes the server's input (the end of the session) and returns its exit status.
    func finish() throws -> Int32 {
        try toServer.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
