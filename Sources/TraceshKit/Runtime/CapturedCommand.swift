import Foundation
import TraceshModel
import TraceshFiles

/// A command run without a shell to its end (or its timeout), its output captured.
public struct CapturedCommand: Sendable {
    public var standardOutput: String
    public var standardError: String
    /// The exit code (128 + signal when a signal ended it).
    public var exitCode: Int32
    /// Whether the timeout ended it (with SIGKILL, to its whole process group).
    public var timedOut: Bool

    /// At most this many bytes of each stream are kept.
    public static let outputLimit = 1 << 20

    /// Runs `argv` (the first word found on PATH) with tracesh's environment.
    public static func run(_ argv: [String], timeout: Double) throws -> CapturedCommand {
        guard let name = argv.first else { throw Diagnostic("an empty command", at: nil) }
        guard let path = ExecutableSearch.find(name) else { throw Diagnostic("command not found: \(name)", at: nil) }
        // Its own process group, so that the timeout ends what it started too.
        let process = try ChildProcess(path: path, arguments: Array(argv.dropFirst()), environment: ProcessInfo.processInfo.environment,
                                       captureOutput: true, hold: false, deathSignal: SIGKILL, newProcessGroup: true)
        let output = StreamCollector(descriptor: process.stdoutDescriptor, limit: outputLimit)
        let errors = StreamCollector(descriptor: process.stderrDescriptor, limit: outputLimit)
        var timedOut = false
        if process.wait(timeout: timeout) == nil {
            timedOut = true
            kill(-process.pid, SIGKILL)
        }
        let code = process.wait() ?? -1
        // A background descendant may hold the pipes open after the command ended: what was
        // written by then is read, and no more is waited for.
        return CapturedCommand(standardOutput: output.finish(timeout: 2), standardError: errors.finish(timeout: 2),
                               exitCode: code, timedOut: timedOut)
    }
}
