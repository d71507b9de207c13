import Foundation
import Testing
@testable import TraceshKit

/// The command and setting declarations are the one source of the language's commands: every
/// declaration parses its own example, and the README lists exactly what they declare.
@Suite struct CommandRegistryTests {
    @Test func everyExampleParsesToItsOwnCommand() throws {
        for declaration in CommandRegistry.declarations {
            _ = try CommandParser.parse(LocatedText(declaration.example))
            let keyword = String(declaration.example.prefix { !$0.isWhitespace })
            #expect(CommandRegistry.declaration(keyword)?.name == declaration.name, "\(declaration.example)")
            #expect(declaration.usage.hasPrefix(declaration.name), "usage of \(declaration.name)")
        }
    }

    @Test func namesAndAliasesAreUnique() {
        let names = CommandRegistry.names
        #expect(Set(names).count == names.count, "\(names)")
        #expect(Set(Settings.names).count == Settings.names.count)
        // A setting's help would be shadowed by a command of the same name.
        #expect(Set(names).isDisjoint(with: Settings.names))
    }

    @Test func aliasesParseToTheirCommand() throws {
        #expect(try CommandParser.parse(LocatedText("source x.trc")).kind == .load(path: "x.trc"))
        #expect(try CommandParser.parse(LocatedText("exit")).kind == .quit)
        #expect(try CommandParser.parse(LocatedText("? run")).kind == .help(topic: "run"))
    }

    @Test func everySettingsDefaultIsValid() throws {
        for setting in Settings.all {
            #expect(try setting.validate(setting.defaultValue, in: SessionGraph()) == setting.defaultValue, "\(setting.name)")
            for choice in setting.choices {
                #expect(try setting.validate(choice, in: SessionGraph()) == choice)
            }
        }
    }

    /// The README's command list, settings table and expression names are the registries', so documentation cannot
    /// drift from the language. `TRACESH_UPDATE_README=1 swift test --filter CommandRegistryTests`
    /// rewrites them between their markers.
    @Test func readmeListsEveryCommandAndSetting() throws {
        let path = Self.repositoryRoot + "/README.md"
        var readme = try String(contentsOfFile: path, encoding: .utf8)
        let sections = [("commands", "```\n" + CommandHelp.readmeCommandList() + "\n```"), ("settings", CommandHelp.readmeSettingsTable()),
                        ("expressions", "```\n" + NameTable.helpLines.joined(separator: "\n") + "\n```")]
        for (name, expected) in sections {
            let begin = "<!-- generated \(name): begin -->\n", end = "\n<!-- generated \(name): end -->"
            let range = try #require(readme.range(of: begin).flatMap { start in
                readme.range(of: end, range: start.upperBound..<readme.endIndex).map { start.upperBound..<$0.lowerBound }
            }, "README.md has no \(begin)")
            if ProcessInfo.processInfo.environment["TRACESH_UPDATE_README"] == "1" {
                readme.replaceSubrange(range, with: expected)
            } else {
                #expect(String(readme[range]) == expected, "README.md's \(name) should be:\n\(expected)")
            }
        }
        if ProcessInfo.processInfo.environment["TRACESH_UPDATE_README"] == "1" {
            try readme.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
