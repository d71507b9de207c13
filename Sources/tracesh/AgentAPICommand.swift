import ArgumentParser
import Foundation
import TraceshAgent
import TraceshKit

/// `tracesh api`: one diagnostic-agent request in, one response out (JSON).
struct AgentAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Answer a diagnostic agent's JSON request (ebpf_programs, commands) with a JSON response.",
        discussion: """
        Reads one request object from standard input (or --input FILE) and writes one response
        object to standard output (or --output FILE). Each program becomes a probe through the
        same parser and checks as the language; the programs run at the same time, and a bad one
        fails alone ("success": false, "error"). Commands in the request are never run unless
        --allow-commands is given; then each runs without a shell, with a timeout.

        EXIT STATUS:
          0  a response was written (programs may still have failed: see "success")
          2  the request could not be read (a JSON error object is written)
        """
    )

    @Option(name: .long, help: ArgumentHelp("Read the request from FILE instead of standard input.", valueName: "file"))
    var input: String?

    @Option(name: .long, help: ArgumentHelp("Write the response to FILE instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Run the request's shell commands (without a shell, with a timeout).")
    var allowCommands = false

    func run() throws {
        let session = AgentSession()
        Signals.watch(runs: session.runs, interactive: { false }, terminal: nil)
        let data: [UInt8]
        if let input {
            do { data = try ScriptBytes.read(UserPath.expand(input), maximumSize: 64 << 20) } catch {
                try respond(Self.errorObject("cannot read the request: \(error)"))
                throw ExitCode(2)
            }
        } else {
            guard let bytes = StandardInput.readAll(interruptedBy: session.runs) else { throw ExitCode(130) }
            data = bytes
        }
        let request: AgentRequest
        do {
            request = try AgentRequest.decode(Data(data))
        } catch {
            try respond(Self.errorObject(error.message))
            throw ExitCode(2)
        }
        let response = session.answer(request, allowCommands: allowCommands)
        session.runs.shutdown()
        try respond(response)
        if session.runs.isInterrupted { throw ExitCode(130) }
    }

    static func errorObject(_ message: String) -> JSONValue {
        .object([("error", .string(message)), ("ebpf_results", .array([]))])
    }

    private func respond(_ value: JSONValue) throws {
        let text = Array((JSONWriter.serialize(value) + "\n").utf8)
        if let output {
            do { try SafeFile.write(text, to: UserPath.expand(output), mode: SafeFile.privateMode) } catch {
                writeAll(STDERR_FILENO, Array("tracesh api: cannot write '\(output)': \(error)\n".utf8))
                throw ExitCode(1)
            }
        } else {
            writeAll(STDOUT_FILENO, text)
        }
    }
}
