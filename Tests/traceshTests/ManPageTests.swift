import Foundation
import Testing

/// tracesh.1 (written by scripts/generate-manual with swift-argument-parser's generate-manual
/// plugin) renders, and says what the command line's declarations say now; the completion
/// scripts scripts/setup installs are generated.
@Suite struct ManPageTests {
    static let page = Tracesh.packageRoot.path + "/tracesh.1"

    @Test func manRendersThePageWithoutWarnings() throws {
        let man = Process(), output = Pipe(), errors = Pipe()
        man.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        man.arguments = ["man", "-l", Self.page]
        man.environment = ProcessInfo.processInfo.environment.merging(["MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat"]) { $1 }
        man.standardOutput = output
        man.standardError = errors
        try man.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let warnings = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        man.waitUntilExit()
        #expect(man.terminationStatus == 0 && warnings.isEmpty, "\(warnings)")
        for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES:", "EXIT STATUS:", "--execute", "--format"] {
            #expect(text.contains(heading), "\(heading) in:\n\(text)")
        }
    }

    /// Every argument and option of `tracesh --experimental-dump-help` (what the plugin reads),
    /// with its help text, and every line of the discussion are in the page: a changed option
    /// or help text fails here until scripts/generate-manual is run.
    @Test func thePageIsCurrent() throws {
        let page = try String(contentsOfFile: Self.page, encoding: .utf8)
        let dump = try Tracesh.run(["--experimental-dump-help"])
        #expect(dump.status == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let command = try #require(root["command"] as? [String: Any])
        #expect(page.contains(try #require(command["abstract"] as? String)))
        for argument in command["arguments"] as? [[String: Any]] ?? [] {
            if let abstract = argument["abstract"] as? String { #expect(page.contains(abstract), "\(abstract)") }
            for name in argument["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
                #expect(page.contains("Fl -\(name["name"] as? String ?? "")"), "\(name)")
            }
        }
        let discussion = try #require(command["discussion"] as? String)
        for line in discussion.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            #expect(page.contains(text), "the page lacks '\(text)': run scripts/generate-manual")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"]) func completionScripts(_ shell: String) throws {
        let result = try Tracesh.run(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("tracesh") && result.stdout.contains("format") && result.stdout.contains("interactive"))
    }

    /// The bash script, loaded into bash, completes an option's name and --format's values.
    @Test func bashCompletesOptionsAndFormats() throws {
        let script = try Tracesh.run(["--generate-completion-script", "bash"]).stdout
        let directory = try TemporaryDirectory()
        try script.write(toFile: directory.path("tracesh.bash"), atomically: true, encoding: .utf8)
        func complete(_ words: [String]) throws -> String {
            let line = words.joined(separator: " ")
            let program = """
                source \(directory.path("tracesh.bash"))
                COMP_WORDS=(\(words.map { "'\($0)'" }.joined(separator: " "))); COMP_CWORD=\(words.count - 1)
                COMP_LINE='\(line)'; COMP_POINT=\(line.count)
                _tracesh tracesh '\(words.last ?? "")' '\(words.dropLast().last ?? "")'
                echo "${COMPREPLY[*]}"
                """
            let bash = Process(), output = Pipe()
            bash.executableURL = URL(fileURLWithPath: "/bin/bash")
            bash.arguments = ["-c", program]
            bash.standardOutput = output
            try bash.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            bash.waitUntilExit()
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try complete(["tracesh", "--for"]) == "--format")
        #expect(try complete(["tracesh", "--format", ""]) == "table json csv")
    }
}
