import Foundation
import MCP
import SystemPackage
import Testing

/// Injection attempts through the executable's inputs: script files, `-e` commands, variables
/// given on the command line, `tracesh api` request fields and `tracesh mcp` tool arguments.
/// Each is refused with an error that names its place, or carried as data; no bpftrace runs
/// for a refused one. (The program-level checks are TraceshKitTests/Plan/InjectionTests.)
@Suite struct ExecutableInjectionTests {
    static let payloads: [String] = [
        #"sys_openat } system("id") {"#, "sys_openat\n}\nBEGIN { system(\"id\") }\n//", #"sys_openat"); system("id"); printf(""#,
        #"sys_openat (comm == "x") "%s", arg2@user); cat("/etc/shadow""#, "sys_openat\0system", "sys_openat; system(\"id\")",
        #"u:/tmp/x"};system("id"):f"#, String(repeating: "sys_openat}", count: 10_000),
    ]

    /// bpftrace replaced by a program that leaves a mark: a refused input must not start it.
    static func markingBpftrace(in directory: TemporaryDirectory) throws -> (path: String, mark: String) {
        let path = directory.path("bpftrace"), mark = directory.path("started")
        try "#!/bin/sh\ntouch '\(mark)'\nexit 1\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o755)
        return (path, mark)
    }

    /// `FILE:LINE:COL: error:` (or `LINE:COL: error:` without a file).
    static func located(_ text: String, file: String? = nil) -> Bool {
        let pattern = (file.map { NSRegularExpression.escapedPattern(for: $0) + ":" } ?? "") + #"[0-9]+:[0-9]+: error: "#
        return text.range(of: pattern, options: .regularExpression) != nil
    }

    @Test func aScriptLineThatTriesToEndTheProgramIsALocatedError() throws {
        let directory = try TemporaryDirectory()
        let (bpftrace, mark) = try Self.markingBpftrace(in: directory)
        let lines = [
            #"probe o = sys_openat } system("id") {"#,
            #"probe o = sys_openat "%s", arg2@user); system("id"#,
            #"probe o = u:/tmp/x"};system("id"):f"#,
            #"probe o"; = sys_openat"#,
            #"probe o = sys_openat (comm == "x" } BEGIN { system("id") } //"#,
        ]
        for (index, line) in lines.enumerated() {
            let script = directory.path("attempt\(index).trc")
            try "# an injection attempt\n\(line)\nrun 1s\n".write(toFile: script, atomically: false, encoding: .utf8)
            let result = try Tracesh.run([script], environment: ["TRACESH_BPFTRACE": bpftrace])
            #expect(result.status == 1, "\(line): \(result.stderr)")
            #expect(Self.located(result.stderr, file: script), "\(line): \(result.stderr)")
            #expect(result.stderr.contains(":2:"), "the error is on line 2: \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: mark), "bpftrace was started for a refused script")
    }

    @Test func aCommandLineVariableStaysOneValue() throws {
        let directory = try TemporaryDirectory()
        let (bpftrace, mark) = try Self.markingBpftrace(in: directory)
        let script = directory.path("filter.trc")
        try "probe o = sys_openat \"%s\", arg2@user\nfilter o: comm == \"$name\"\nfilter o: pid == $pid\nshow graph\n".write(toFile: script, atomically: false, encoding: .utf8)
        // As a number the value is refused where it is used; inside quotes it is the string's text.
        let result = try Tracesh.run([script, #"name=x" || 1 == 1 || comm == "y"#, #"pid=1 || 1 == 1"#], environment: ["TRACESH_BPFTRACE": bpftrace])
        #expect(!FileManager.default.fileExists(atPath: mark))
        if result.status == 0 {
            // Carried: the filter still compares comm with one string.
            #expect(result.stdout.contains(#"comm == "x\" || 1 == 1 || comm == \"y""#), "\(result.stdout)")
            #expect(!result.stdout.contains("pid == 1 || 1 == 1"), "\(result.stdout)")
        } else {
            #expect(Self.located(result.stderr, file: script), "\(result.stderr)")
        }
    }

    @Test func apiRequestFieldsAreRefusedWithThePlaceAndNothingRuns() throws {
        let directory = try TemporaryDirectory()
        let (bpftrace, mark) = try Self.markingBpftrace(in: directory)
        var programs: [[String: Any]] = Self.payloads.map { ["name": "n", "type": "kprobe", "target": $0, "duration": 0.2] }
        programs.append(["name": "n", "type": #"kprobe"}; system("id"); {"#, "target": "sys_openat", "duration": 0.2])
        programs.append(["name": "n", "type": "tracepoint", "target": #"sched/x"}{system("id")"#, "duration": 0.2])
        let request = String(decoding: try JSONSerialization.data(withJSONObject: ["ebpf_programs": programs]), as: UTF8.self)
        let result = try Tracesh.run(["api"], input: request, environment: ["TRACESH_BPFTRACE": bpftrace])
        #expect(result.status == 0, "\(result.stderr)")
        let response = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require(response["ebpf_results"] as? [[String: Any]])
        #expect(results.count == programs.count)
        for (index, program) in results.enumerated() {
            #expect(program["success"] as? Bool == false, "\(index): \(program)")
            let error = program["error"] as? String ?? ""
            if index < Self.payloads.count {
                #expect(error.hasPrefix("target (spec '") && Self.located(error), "\(index): \(error.prefix(300))")
            } else {
                #expect(!error.isEmpty, "\(index)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: mark), "bpftrace was started for a refused program")
    }

    @Test func apiCommandsNeverGoThroughAShell() throws {
        let directory = try TemporaryDirectory()
        let mark = directory.path("shell-ran")
        let request = #"{"commands": [{"id": "c1", "command": "echo x; touch \#(mark)"}, {"id": "c2", "command": "echo $(touch \#(mark)) `touch \#(mark)` && touch \#(mark)"}]}"#
        let result = try Tracesh.run(["api", "--allow-commands"], input: request)
        #expect(result.status == 0, "\(result.stderr)")
        let commands = try #require((try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["command_results"] as? [[String: Any]])
        #expect(commands.first?["stdout"] as? String == "x; touch \(mark)\n")
        #expect(!FileManager.default.fileExists(atPath: mark), "a shell ran the command's text")
    }

    @Test func apiOutputFileIsPrivate() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path("response.json")
        let result = try Tracesh.run(["api", "--output", output], input: #"{"ebpf_programs": []}"#)
        #expect(result.status == 0, "\(result.stderr)")
        var info = stat()
        #expect(stat(output, &info) == 0)
        #expect(info.st_mode & 0o077 == 0, "mode \(String(info.st_mode & 0o777, radix: 8))")
    }

    /// `tracesh mcp` with a real client: specs, filters, list patterns and replay paths that try
    /// to inject are tool errors naming the place; nothing is traced.
    @Test func mcpToolArgumentsAreRefusedWithThePlace() async throws {
        let directory = try TemporaryDirectory()
        let (bpftrace, mark) = try Self.markingBpftrace(in: directory)
        let server = try await MCPTestServer.start(clientName: "tracesh-injection-tests", environment: ["TRACESH_BPFTRACE": bpftrace])
        let client = server.client

        func text(_ result: (content: [Tool.Content], isError: Bool?)) -> String {
            result.content.compactMap { if case .text(let text, _, _) = $0 { return text } else { return nil } }.joined()
        }
        for payload in Self.payloads {
            let called = try await client.callTool(name: "trace", arguments: ["specs": .array([.string(payload)]), "duration": .double(0.2)])
            #expect(called.isError == true, "\(payload.prefix(60).debugDescription)")
            #expect(Self.located(text(called)), "\(payload.prefix(60).debugDescription): \(text(called).prefix(300))")
        }
        let programs = try await client.callTool(name: "trace", arguments: [
            "programs": .array([.object(["name": .string("n"), "type": .string("kprobe"), "target": .string(#"sys_openat } system("id") {"#)])]),
            "duration": .double(0.2),
        ])
        #expect(text(programs).contains("error"), "\(text(programs).prefix(300))")
        for path in ["/nonexistent\"; system(\"id\")", "/nonexistent\n}", "/etc/passwd"] {
            let replayed = try await client.callTool(name: "replay", arguments: ["path": .string(path)])
            #expect(replayed.isError == true, "\(path.debugDescription)")
            #expect(text(replayed).contains(path), "the error names the file: \(text(replayed).prefix(300))")
        }
        let listed = try await client.callTool(name: "list", arguments: ["pattern": .string(#"*"}; system("id"); {*"#)])
        #expect(listed.isError != true || !text(listed).isEmpty)

        await client.disconnect()
        #expect(try server.finish() == 0)
        #expect(!FileManager.default.fileExists(atPath: mark), "bpftrace was started for a refused call")
    }

    /// A filter value with quotes and bpftrace calls reaches bpftrace as one string and the run
    /// works (it matches no process).
    @Test(.live) func apiProcessFilterIsCarriedAsData() throws {
        let request = #"{"ebpf_programs": [{"name": "n", "type": "kprobe", "target": "sys_openat", "duration": 0.5, "filters": {"process": "x\"}; system(\"id\")"}}]}"#
        let result = try Tracesh.run(["api"], input: request)
        #expect(result.status == 0, "\(result.stderr)")
        let response = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let program = try #require((response["ebpf_results"] as? [[String: Any]])?.first)
        #expect(program["success"] as? Bool == true, "\(program)")
        #expect(program["event_count"] as? Int == 0, "\(program)")
    }
}
