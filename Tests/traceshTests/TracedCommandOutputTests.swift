import Foundation
import Testing

/// A traced command's output never mixes with tracesh's results: without a terminal it goes to
/// tracesh's standard error, or to the file of `run ... > FILE`.
@Suite struct TracedCommandOutputTests {
    /// A line no tracesh output contains by chance.
    let marker = "traced-output-\(UUID().uuidString)"

    @Test(.live) func jsonResultsStayParseableAndTheCommandWritesToStandardError() throws {
        let result = try Tracesh.run(["--format", "json", "-e", "probe o = sys_openat", "-e", "run -- /bin/echo \(marker)"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line.prefix(200))")
        }
        #expect(result.stderr.contains(marker + "\n"))
    }

    @Test(.live) func csvResultsDoNotCarryTheCommandsOutput() throws {
        let result = try Tracesh.run(["--format", "csv", "-e", "probe o = sys_openat", "-e", "run -- /bin/echo \(marker)", "-e", "events 1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains(marker))
        #expect(result.stdout.hasPrefix("timestamp") || result.stdout.contains(","), "\(result.stdout.prefix(200))")
        #expect(result.stderr.contains(marker + "\n"))
    }

    @Test(.live) func redirectionWritesAndAppendsToAFileWithTildeExpanded() throws {
        let home = try TemporaryDirectory()
        let result = try Tracesh.run(["-e", "probe o = sys_openat",
                                      "-e", "run -- /bin/echo \(marker) > ~/out.txt",
                                      "-e", "run -- /bin/echo second >>~/out.txt"],
                                     environment: ["HOME": home.url.path])
        #expect(result.status == 0, "\(result.stderr)")
        let path = home.path("out.txt")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == marker + "\nsecond\n")
        #expect(!result.stdout.contains(marker) && !result.stderr.contains(marker))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o7133 == 0, "mode \(String(mode, radix: 8))")
        // `>` truncates what was there.
        let again = try Tracesh.run(["-e", "probe o = sys_openat", "-e", "run -- /bin/echo third > \(path)"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "third\n")
    }

    @Test(.live) func aFileThatCannotBeOpenedFailsTheRunBeforeTheCommandStarts() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path("no-such-dir/out.txt")
        let result = try Tracesh.run(["-e", "probe o = sys_openat", "-e", "run -- /bin/echo \(marker) > \(missing)"])
        #expect(result.status == 1)
        let column = "run -- /bin/echo \(marker) > ".count + 1
        #expect(result.stderr.hasPrefix("-e[2]:1:\(column): error: cannot write the command's output to '\(missing)': No such file or directory"), "\(result.stderr)")
        #expect(!result.stdout.contains(marker) && !result.stderr.contains(marker + "\n"))
        #expect(!result.stdout.contains("run 1"), "no run may start: \(result.stdout)")
    }

    /// Widths and flags of a probe's format come out in the message (issue example).
    @Test(.live) func aProbeMessageIsPaddedAsItsFormatSays() throws {
        let result = try Tracesh.run(["--format", "json", "-e", #"probe o = sys_openat "[%-30s] [%10d]", arg2@user, arg3"#,
                                      "-e", "run -- /bin/cat /etc/hostname"])
        #expect(result.status == 0, "\(result.stderr)")
        let response = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let messages = (response["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        let message = try #require(messages.first { $0.hasPrefix("[/etc/hostname ") }, "\(messages)")
        // 30 columns for the path, left-aligned; 10 for the flags, right-aligned.
        #expect(message.count == 1 + 30 + 3 + 10 + 1, "\(message)")
        #expect(message.hasPrefix("[/etc/hostname" + String(repeating: " ", count: 30 - 13) + "] ["), "\(message)")
        let flags = message.dropFirst(34).dropLast()
        #expect(flags.count == 10 && flags.last?.isNumber == true && flags.hasPrefix(" "), "\(message)")
    }
}
