import Foundation
import Testing

/// A run whose start fails after the traced command was spawned (held before exec) leaves
/// nothing behind: no held child, no program directory, no half-written recording.
@Suite struct StartFailureTests {
    struct Leftovers {
        var stderr: String
        var children: [ProcessTable.Entry]
        var temporaryFiles: [String]
        var commandRan: Bool
    }

    /// Runs `lines` in a tracesh that goes on after a failure and then blocks loading a script
    /// from a FIFO; once `error` is printed, looks at what is left while tracesh still lives
    /// (a held child dies with tracesh, of its parent-death signal), then lets tracesh end.
    func leftovers(_ lines: [String], error: String, environment: [String: String] = [:]) throws -> Leftovers {
        let directory = try TemporaryDirectory()
        let temporary = directory.path("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let marker = directory.path("ran")
        let gate = directory.path("gate")
        #expect(mkfifo(gate, 0o600) == 0)
        let process = Process()
        process.executableURL = Tracesh.binary
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["TMPDIR": temporary]) { $1 }) { $1 }
        let script = ["set on-error continue"] + lines.map { $0.replacingOccurrences(of: "MARKER", with: marker) } + ["load \(gate)"]
        // A script file (not -e) so that `set on-error continue` lets it go on to the `load`.
        let scriptPath = directory.path("failing.trc")
        try (script.joined(separator: "\n") + "\n").write(toFile: scriptPath, atomically: true, encoding: .utf8)
        process.arguments = [scriptPath]
        let output = Pipe()
        // Both streams: a run's failure is in its summary, an error before it on stderr.
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // A failsafe, not a synchronisation: should `error` never come, tracesh is let go after
        // 60 s (its output then ends and the expectations below fail instead of hanging).
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) {
            let writer = open(gate, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if writer >= 0 { close(writer) }
        }
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains(error) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += chunk
        }
        let children = ProcessTable.children(of: process.processIdentifier)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        // An empty script from the FIFO: tracesh goes on to its end. (Not a blocking open: had
        // tracesh ended already, say after an error other than `error`, it would wait forever.)
        while process.isRunning {
            let writer = open(gate, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if writer >= 0 { close(writer); break }
            usleep(10_000)
        }
        process.waitUntilExit()
        return Leftovers(stderr: String(decoding: seen, as: UTF8.self), children: children, temporaryFiles: files,
                         commandRan: FileManager.default.fileExists(atPath: marker))
    }

    @Test(.live) func aCompileErrorEndsTheHeldCommand() throws {
        let result = try leftovers(["run 1m -- /bin/sh -c 'touch MARKER'"], error: "no probes to run")
        #expect(result.stderr.contains("no probes to run"), "\(result.stderr)")
        #expect(result.children.isEmpty, "\(result.children)")
        #expect(!result.commandRan && result.temporaryFiles.isEmpty)
    }

    @Test(.live) func anUnwritableRecordingEndsTheHeldCommand() throws {
        let directory = try TemporaryDirectory()
        let recording = directory.path("recording.trr")
        // A directory where the recording's file should be: the writer cannot create it.
        try FileManager.default.createDirectory(atPath: recording, withIntermediateDirectories: true)
        let result = try leftovers(["probe sys_openat", "record \(recording)", "run 1m -- /bin/sh -c 'touch MARKER'"],
                                   error: "error:")
        #expect(result.stderr.contains("recording.trr"), "\(result.stderr)")
        #expect(result.children.isEmpty, "\(result.children)")
        #expect(!result.commandRan && result.temporaryFiles.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["recording.trr"],
                "a temporary recording file was left beside it")
    }

    @Test(.live) func aBpftraceThatCannotStartEndsTheHeldCommandAndRemovesTheProgram() throws {
        let directory = try TemporaryDirectory()
        let broken = directory.path("bpftrace")
        // Executable, but exec fails (its interpreter does not exist).
        try "#!/nonexistent/interpreter\n".write(toFile: broken, atomically: true, encoding: .utf8)
        chmod(broken, 0o755)
        let result = try leftovers(["probe sys_openat", "run 1m -- /bin/sh -c 'touch MARKER'"], error: "command never ran",
                                   environment: ["TRACESH_BPFTRACE": broken])
        // The summary; the reason ("cannot start ...") follows once the script has ended.
        #expect(result.stderr.contains("run 1 failed"), "\(result.stderr)")
        #expect(result.children.isEmpty, "\(result.children)")
        #expect(!result.commandRan)
        #expect(result.temporaryFiles.isEmpty, "the program's directory was left: \(result.temporaryFiles)")
    }

    /// A stand-in first on PATH that complains and hangs: the run fails at once (not after the
    /// 120 s attach timeout; `leftovers` gives up at 60 s), naming it and quoting its line, and
    /// the stand-in is gone (issue 20, item 9).
    @Test(.live) func aStandInThatPrintsTextAndHangsFailsAtOnce() throws {
        let directory = try TemporaryDirectory()
        let standIn = directory.path("bpftrace")
        try "#!/bin/sh\necho 'usage: not-bpftrace [options]'\nexec sleep 600\n".write(toFile: standIn, atomically: true, encoding: .utf8)
        chmod(standIn, 0o755)
        let path = directory.url.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try leftovers(["probe sys_openat", "run 1m -- /bin/sh -c 'touch MARKER'"], error: "is it bpftrace?",
                                   environment: ["PATH": path])
        #expect(result.stderr.contains("run 1 failed: \(standIn) printed \"usage: not-bpftrace [options]\" before attaching its probes, which bpftrace never does: is it bpftrace?"),
                "\(result.stderr)")
        #expect(result.children.isEmpty, "\(result.children)")
        #expect(!result.commandRan && result.temporaryFiles.isEmpty)
    }

    @Test(.live) func aMissingBpftraceStartsNothing() throws {
        let result = try leftovers(["probe sys_openat", "run 1m -- /bin/sh -c 'touch MARKER'"], error: "TRACESH_BPFTRACE=/nonexistent/bpftrace does not exist",
                                   environment: ["TRACESH_BPFTRACE": "/nonexistent/bpftrace"])
        #expect(result.stderr.contains("cannot trace on this machine: bpftrace"), "\(result.stderr)")
        #expect(result.children.isEmpty && !result.commandRan && result.temporaryFiles.isEmpty)
    }
}
