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
