import Foundation
import Testing

/// A `tracesh` started in the background, so a test can signal it while it works and then read
/// what it printed.
final class RunningTracesh: @unchecked Sendable {
    let process = Process()
    let started = Date()
    private let stdoutPipe = Pipe(), stderrPipe = Pipe()
    private let lock = NSLock()
    private var out = Data(), err = Data()
    private let drained = DispatchGroup()

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = Tracesh.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, isOutput) in [(stdoutPipe, true), (stderrPipe, false)] {
            drained.enter()
            let handle = pipe.fileHandleForReading
            Thread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.withLock { if isOutput { out += chunk } else { err += chunk } }
                }
                drained.leave()
            }.start()
        }
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits until tracesh catches SIGINT (its handler is installed), read from /proc: a signal
    /// sent before that would find the default action, which is not what the test is about.
    func waitUntilItCatchesSIGINT(timeout: Double = 10) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
               let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16),
               mask & (1 << (UInt64(SIGINT) - 1)) != 0 {
                return true
            }
            usleep(500)
        }
        return false
    }

    /// Waits until standard output contains `text` (tracesh wrote it), or `timeout` passes.
    @discardableResult
    func waitForOutput(_ text: String, timeout: Double = 60) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if stdout.contains(text) { return true }
            if !process.isRunning { return stdout.contains(text) }
            usleep(5_000)
        }
        return false
    }

    /// Waits for tracesh to exit and for its output to be read; returns its exit status (for a
    /// signal: 128 + the signal) and how long it lived.
    func finish() -> (status: Int32, seconds: Double) {
        process.waitUntilExit()
        drained.wait()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return (status, Date().timeIntervalSince(started))
    }
}
