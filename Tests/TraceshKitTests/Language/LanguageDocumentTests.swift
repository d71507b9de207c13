import Foundation
import Testing
@testable import TraceshKit

/// docs/language.md's command reference, settings table and expression names are generated from
/// the same declarations `help` prints (so `help COMMAND` and the document cannot differ); the
/// prose around them is written by hand. In CommandRegistryTests so that
/// `TRACESH_UPDATE_README=1 swift test --filter CommandRegistryTests` rewrites them with the README's.
extension CommandRegistryTests {
    /// One section per command: its heading, then exactly what `help COMMAND` prints.
    static func languageCommandReference() -> String {
        CommandRegistry.declarations.map { declaration in
            var section = "### \(declaration.name)\n\n```\n\(CommandHelp.command(declaration))\n```"
            if !declaration.aliases.isEmpty {
                section += "\n\nAlso spelled " + declaration.aliases.map { "`\($0)`" }.joined(separator: ", ") + "."
            }
            return section
        }.joined(separator: "\n\n")
    }

    @Test func languageDocumentListsEveryCommandSettingAndName() throws {
        let path = Self.repositoryRoot + "/docs/language.md"
        var document = try String(contentsOfFile: path, encoding: .utf8)
        let sections = [("commands", Self.languageCommandReference()),
                        ("settings", CommandHelp.readmeSettingsTable()),
                        ("expressions", "```\n" + NameTable.helpLines.joined(separator: "\n") + "\n```")]
        let update = ProcessInfo.processInfo.environment["TRACESH_UPDATE_README"] == "1"
        for (name, expected) in sections {
            let begin = "<!-- generated \(name): begin -->\n", end = "\n<!-- generated \(name): end -->"
            let range = try #require(document.range(of: begin).flatMap { start in
                document.range(of: end, range: start.upperBound..<document.endIndex).map { start.upperBound..<$0.lowerBound }
            }, "docs/language.md has no \(begin)")
            if update {
                document.replaceSubrange(range, with: expected)
            } else {
                #expect(String(document[range]) == expected, "docs/language.md's \(name) should be:\n\(expected)")
            }
        }
        if update { try document.write(toFile: path, atomically: true, encoding: .utf8) }
    }

    /// Every command has its section, and the section holds what `help COMMAND` prints.
    @Test func languageDocumentHasEveryCommandsHelp() throws {
        // While the test above rewrites the document, there is nothing to compare.
        guard ProcessInfo.processInfo.environment["TRACESH_UPDATE_README"] != "1" else { return }
        let document = try String(contentsOfFile: Self.repositoryRoot + "/docs/language.md", encoding: .utf8)
        for declaration in CommandRegistry.declarations {
            #expect(document.contains("### \(declaration.name)\n\n```\n" + (CommandHelp.topic(declaration.name) ?? "?") + "\n```"), "\(declaration.name)")
        }
        for setting in Settings.all {
            #expect(document.contains("| `\(setting.name)` |"), "\(setting.name)")
        }
    }
}

/// The commands the hand-written prose shows (code blocks of docs/language.md and the README,
/// `tracesh> ` lines of the tour, runbook lines) parse: an example that drifted from the language
/// fails here.
@Suite struct DocumentedExamplesTests {
    static func commandLines(in path: String) throws -> [String] {
        let text = try String(contentsOfFile: CommandRegistryTests.repositoryRoot + "/" + path, encoding: .utf8)
        // Generated sections (help text, checked above) are left out; in a block that shows a
        // shell session only the prompt's lines are commands, the rest is output.
        var inBlock = false, generated = false, lines: [String] = []
        var block: [Substring] = []
        var blocks: [[Substring]] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if raw.hasPrefix("<!-- generated ") { generated = raw.hasSuffix(": begin -->"); continue }
            if raw.hasPrefix("```") {
                if inBlock && !generated { blocks.append(block) }
                inBlock.toggle()
                block = []
                continue
            }
            if inBlock { block.append(raw) }
        }
        for block in blocks {
            let session = block.contains { $0.hasPrefix("tracesh> ") }
            for raw in block where !session || raw.hasPrefix("tracesh> ") {
            var line = String(raw)
            if line.hasPrefix("tracesh> ") { line.removeFirst("tracesh> ".count) }
            // A trailing comment after two spaces (none of these lines has '#' in a string).
            if let comment = line.range(of: "  #") { line = String(line[..<comment.lowerBound]) }
            line = line.trimmingCharacters(in: .whitespaces)
            guard let first = line.split(separator: " ").first, CommandRegistry.names.contains(String(first)),
                  !line.contains("$"), line.split(separator: " ").count > 1 || first == "quit" else { continue }
            // Usage lines (`usage: ...`) and grammar have capitals as placeholders; examples do not.
            if line.contains(" | ") || line.range(of: #"\b[A-Z]{2,}\b"#, options: .regularExpression) != nil && !line.contains("\"") { continue }
            lines.append(line)
            }
        }
        return lines
    }

    @Test(arguments: ["docs/language.md", "README.md"]) func documentedCommandsParse(_ path: String) throws {
        let lines = try Self.commandLines(in: path)
        #expect(lines.count >= 10, "\(path): \(lines)")
        for line in lines {
            #expect(throws: Never.self, "\(path): \(line)") { _ = try CommandParser.parse(LocatedText(line)) }
        }
    }
}
