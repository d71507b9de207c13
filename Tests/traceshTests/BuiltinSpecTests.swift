import Foundation
import Testing

/// The agent's predefined specs, each run live against a command that must trigger it.
@Suite(.serialized) struct BuiltinSpecTests {
    /// Files the commands read, in a directory of this suite's own (left for the system's
    /// temporary-file cleaning: the arguments below need their paths before any test runs).
    static let directory = NSTemporaryDirectory() + "tracesh-builtin-specs-\(getpid())"
    static let small: String = {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/small"
        FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        return path
    }()
    static let large: String = {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/large"
        FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x61, count: 10_000))
        return path
    }()

    @Test(.live, arguments: [
        ("test_sys_open", "/bin/cat \(small)", "open \(small)"),
        ("test_sys_read", "/bin/cat \(large)", "read 131072 bytes from fd 3"),  // cat asks for 128 KiB at a time
        ("test_sys_write", "/bin/echo hello", "write 6 bytes to fd 1"),
        ("test_process_creation", "/bin/true", "exec /bin/true"),
        ("test_kretprobe", "/bin/cat /nonexistent/file", "openat returned -2"),
        ("test_with_filter", "/bin/cat \(small)", "cat opened \(small)"),
    ])
    func eachPredefinedSpecSeesItsCommand(name: String, command: String, message: String) throws {
        let result = try Tracesh.run(["--format", "json", "-e", "probe use \(name)", "-e", "run -- \(command)"])
        let last = try #require(result.stdout.split(separator: "\n").last, "\(result.stderr)")
        let response = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(response["name"] as? String == name)
        let messages = (response["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(messages.contains(message), "\(name): \(messages.prefix(10))")
    }

    @Test func aPredefinedSpecRunsFiveSecondsByDefaultAndIsListed() throws {
        let listed = try Tracesh.run(["-e", "list specs"])
        for name in ["test_sys_open", "test_sys_read", "test_sys_write", "test_process_creation", "test_kretprobe", "test_with_filter"] {
            #expect(listed.stdout.contains(name))
        }
        let graph = try Tracesh.run(["-e", "probe use test_sys_read", "-e", "show graph"])
        #expect(graph.stdout.contains("duration = 5s"), "\(graph.stdout)")
        #expect(graph.stdout.contains(#"test_sys_read = sys_read (arg3 > 1024)"#))
        let typo = try Tracesh.run(["-e", "probe use test_sys_opn"])
        #expect(typo.stderr.hasPrefix("-e:1:11: error: no predefined spec 'test_sys_opn'; did you mean 'test_sys_open'?"), "\(typo.stderr)")
    }

    @Test func suggestAddPutsTheSuggestedProbesInTheSession() throws {
        let result = try Tracesh.run(["-e", "suggest process exec --add", "-e", "show graph"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("p1 = t:sched:sched_process_exec"), "\(result.stdout)")
        #expect(result.stdout.contains("added probes p1, p2, p3"))
    }
}
