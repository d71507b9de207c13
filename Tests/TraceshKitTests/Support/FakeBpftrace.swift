import Foundation
@testable import TraceshKit

/// A fake `bpftrace` (Fixtures/fake_bpftrace.c) for one test: an executable wrapper that runs it
/// with a behaviour list, a FIFO standing in for the sync uprobe, and a log of what it saw.
// Unchecked: every property is set once in init.
final class FakeBpftrace: @unchecked Sendable {
    /// The compiled fake, built once per test process.
    static let binary: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracesh-fake-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let binary = directory.appendingPathComponent("fake_bpftrace").path
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-O1", "-o", binary, Fixtures.root.appendingPathComponent("fake_bpftrace.c").path]
        try? compiler.run()
        compiler.waitUntilExit()
        return binary
    }()

    let folder: TemporaryFolder
    /// What the runner starts as bpftrace.
    let path: String
    let fifo: String
    let logPath: String

    init(_ behaviours: String) throws {
        folder = try TemporaryFolder()
        path = folder.path + "/bpftrace"
        fifo = folder.path + "/sync"
        logPath = folder.path + "/log"
        guard mkfifo(fifo, 0o600) == 0 else { throw POSIXError(.EIO) }
        let script = "#!/bin/sh\nexec '\(Self.binary)' '\(logPath)' '\(fifo)' '\(behaviours)' \"$@\"\n"
        try writeExecutable(script, to: path)
    }

    /// Calls the "sync marker": the number goes to the fake through its FIFO. Like a uprobe that
    /// is not attached yet, a call made before the fake opened the FIFO is lost.
    var callSync: (UInt64) -> Void {
        let fifo = self.fifo
        return { sequence in
            let descriptor = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            guard descriptor >= 0 else { return }
            let line = Array("\(sequence)\n".utf8)
            _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
        }
    }

    /// Reads a FIFO to its end (blocking until a writer opens it and closes it).
    static func readFIFO(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The fake's log lines ("sigint", "sync N", "end").
    var log: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// A program with one probe of no fields, framed like a real one (the fake reads the boundary).
    static func program(framing: EventFraming = .random()) -> CompiledProgram {
        CompiledProgram(source: "BEGIN { printf(\"\(framing.printfFormat(kind: .start, conversions: ["%llu"]))\", nsecs); }\n",
                        framing: framing,
                        probes: [CompiledProbe(name: "p", function: "f", resolved: "tracepoint:fake:f", format: nil, fields: [])],
                        maps: [], userFilters: [],
                        // Attached only once the sync "probe" answers, as in a real program.
                        sync: SyncMarker())
    }
}
