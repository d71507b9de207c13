import Foundation

/// Runs the built `tracesh` binary and collects what it printed.
enum Tracesh {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The package root, found from this file's path (Tests/traceshTests/Tracesh.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The debug binary `scripts/test` builds before the tests run.
    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["TRACESH_BINARY"] { return URL(fileURLWithPath: override) }
        return packageRoot.appendingPathComponent(".build/debug/tracesh")
    }

    static func run(_ arguments: [String], input: String? = nil, currentDirectory: URL? = nil,
                    environment: [String: String] = [:]) throws -> Result {
        try run(executable: binary, arguments, input: input, currentDirectory: currentDirectory, environment: environment)
    }

    /// Runs any program to completion (`argv[0]` a path), collecting what it printed.
    static func runCommand(_ argv: [String], currentDirectory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        try run(executable: URL(fileURLWithPath: argv[0]), Array(argv.dropFirst()), currentDirectory: currentDirectory, environment: environment)
    }

    static func run(executable: URL, _ arguments: [String], input: String? = nil, currentDirectory: URL? = nil,
                    environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
                      stderr: String(decoding: errorData, as: UTF8.self))
    }
}

/// A directory removed when the value goes away.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tracesh-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
