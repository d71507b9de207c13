import Foundation
import Testing

/// `tracesh api`: the diagnostic agent's request in, its response out.
@Suite struct AgentAPITests {
    static func response(_ result: Tracesh.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)\n\(result.stderr)")
    }

    @Test(.live) func aFilteredProgramSeesOnlyItsProcessAndABadOneFailsAlone() throws {
        let directory = try TemporaryDirectory()
        // A program whose name (comm) is ours alone, opening a file over and over.
        let loop = try RenamedCommandLoop(name: "agenthelper", in: directory)
        defer { withExtendedLifetime(loop) {} }

        let request = """
            {"commands": [{"id": "cmd1", "command": "ps aux"}],
             "ebpf_programs": [
               {"name": "file_monitoring", "type": "kprobe", "target": "sys_openat", "duration": 1.5,
                "filters": {"process": "agenthelper"}, "description": "Monitor file access by agenthelper"},
               {"name": "nonsense", "type": "kprobe", "target": "no_such_kernel_function", "duration": 1}]}
            """
        let result = try Tracesh.run(["api"], input: request)
        #expect(result.status == 0, "\(result.stderr)")
        let response = try Self.response(result)
        let programs = try #require(response["ebpf_results"] as? [[String: Any]])
        #expect(programs.count == 2)
        let monitoring = programs[0]
        #expect(monitoring["name"] as? String == "file_monitoring")
        #expect(monitoring["type"] as? String == "bcc_trace")
        #expect(monitoring["success"] as? Bool == true, "\(monitoring)")
        let events = try #require(monitoring["events"] as? [[String: Any]])
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { $0["process_name"] as? String == "agenthelper" }, "\(events.prefix(3))")
        #expect(monitoring["event_count"] as? Int == events.count)
        let statistics = try #require(monitoring["statistics"] as? [String: Any])
        #expect(statistics["total_events"] as? Int == events.count)

        let nonsense = programs[1]
        #expect(nonsense["success"] as? Bool == false)
        #expect((nonsense["error"] as? String)?.contains("kprobes") == true, "\(nonsense)")

        let commands = try #require(response["command_results"] as? [[String: Any]])
        #expect(commands.first?["status"] as? String == "skipped")
    }

    @Test func commandsRunOnlyWhenAllowedAndWithoutAShell() throws {
        let request = #"{"commands": [{"id": "c1", "command": "echo 'a b' $HOME;"}, {"id": "c2", "command": "sleep 5", "timeout": 0.2}]}"#
        let result = try Tracesh.run(["api", "--allow-commands"], input: request)
        #expect(result.status == 0, "\(result.stderr)")
        let commands = try #require(try Self.response(result)["command_results"] as? [[String: Any]])
        // No shell: the quotes group words, `$HOME` and `;` are plain text.
        #expect(commands[0]["stdout"] as? String == "a b $HOME;\n")
        #expect(commands[0]["exit_code"] as? Int == 0)
        #expect(commands[1]["status"] as? String == "timed_out")
    }

    @Test func aMalformedRequestIsAJSONErrorWithStatusTwo() throws {
        for request in ["{", #"{"ebpf_programs": [{"name": "x"}]}"#, #"{"ebpf_programs": 5}"#] {
            let result = try Tracesh.run(["api"], input: request)
            #expect(result.status == 2, "\(request)")
            let response = try Self.response(result)
            #expect((response["error"] as? String)?.isEmpty == false, "\(request): \(response)")
        }
        let missing = try Tracesh.run(["api"], input: #"{"ebpf_programs": [{"name": "x"}]}"#)
        #expect(try Self.response(missing)["error"] as? String == #"ebpf_programs[0]: missing "target""#)
    }
}
