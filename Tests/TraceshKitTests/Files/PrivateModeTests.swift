import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshRuntime

/// Which files tracesh makes private. What tracing collected (recordings, exported events, the
/// bpftrace program with its secret framing boundary: see RunnerArgumentsTests) is created
/// 0600; what the user wrote (a saved script) follows the umask as an editor
/// would. An existing file keeps its owner and mode (see FileReplacement).
@Suite struct PrivateModeTests {
    /// The permission bits of `path`.
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    /// The process's umask, from /proc (umask(2) would change it while other tests run).
    static var currentUmask: mode_t {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") }
        return line.flatMap { mode_t($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) } ?? 0o022
    }

    /// A recording of a run of `probe o = sys_openat "open %s", arg2@user` with one event, made
    /// by the recording writer.
    static func record(to path: String) throws {
        let (interpreter, _) = InjectionTests.interpreter()
        _ = interpreter.run(source: #"probe o = sys_openat "open %s", arg2@user"#, origin: "t")
        let program = try InjectionTests.compile(interpreter)
        let writer = try RecordingWriter(path: path, header: Recording.header(program: program, clockOffset: 0), program: program)
        writer.append(.start(monotonic: 1000))
        writer.append(.event(["0", "2000", "42", "43", "0", "0", "1", "cat", "/etc/secret"].map { Array($0.utf8) }))
        writer.append(.end)
        if let failure = writer.finish(durationSeconds: 1, state: "completed") { throw failure }
    }

    @Test func recordingsAndExportsArePrivateAndSavedScriptsFollowTheUmask() throws {
        let folder = try TemporaryFolder()
        do {
            let recording = folder.path + "/run.rec"
            try Self.record(to: recording)
            #expect(Self.mode(recording) == 0o600)

            let output = CollectingOutput()
            let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
            let script = """
                replay \(recording)
                save \(folder.path)/events.jsonl
                save \(folder.path)/events.csv
                save \(folder.path)/events.db
                probe o = sys_openat
                save \(folder.path)/session.trc
                """
            #expect(interpreter.run(source: script, origin: "t.trc") == .success, "\(output.diagnostics)")
            for name in ["events.jsonl", "events.csv", "events.db"] {
                #expect(Self.mode(folder.path + "/" + name) == 0o600, "\(name): \(String(describing: Self.mode(folder.path + "/" + name)))")
            }
            #expect(Self.mode(folder.path + "/session.trc") == 0o666 & ~Self.currentUmask, "a saved script follows the umask")
            // Nothing else (no temporary file) is left beside them.
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(names == ["events.csv", "events.db", "events.jsonl", "run.rec", "session.trc"], "\(names)")
        }
    }

    @Test func anExistingFileKeepsItsMode() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/shared.jsonl"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o644]))
        try SafeFile.write(Array("{}\n".utf8), to: path, mode: SafeFile.privateMode)
        #expect(Self.mode(path) == 0o644)
        try SafeFile.write(Array("{}\n".utf8), to: folder.path + "/new.jsonl", mode: SafeFile.privateMode)
        #expect(Self.mode(folder.path + "/new.jsonl") == 0o600)
    }
}
