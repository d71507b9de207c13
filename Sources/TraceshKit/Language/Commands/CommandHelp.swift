import TraceshModel
import TraceshFiles

/// The text of `help`, rendered from the command and setting declarations (and the README's
/// command and setting lists, which a test keeps equal to these).
public enum CommandHelp {
    /// `help`: every command's usage and summary, then the settings' names.
    public static func overview() -> String {
        let width = CommandRegistry.declarations.map(\.usage.count).max() ?? 0
        var lines = ["Commands (help COMMAND for details):"]
        for declaration in CommandRegistry.declarations {
            lines.append("  " + pad(declaration.usage, to: width + 2) + declaration.summary)
        }
        lines.append("Settings (help SETTING for details): " + Settings.names.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// `help COMMAND`.
    public static func command(_ declaration: CommandDeclaration) -> String {
        var lines = ["usage: \(declaration.usage)", "", declaration.summary]
        if !declaration.details.isEmpty { lines += [""] + declaration.details }
        lines += ["", "example:", "  \(declaration.example)"]
        return lines.joined(separator: "\n")
    }

    /// `help SETTING`.
    public static func setting(_ setting: SettingDeclaration) -> String {
        let example = setting.choices.last ?? setting.defaultValue
        return [
            "setting: \(setting.name) \(setting.valueShape) (default \(setting.defaultValue))", "",
            setting.summary, "",
            "example:", "  set \(setting.name) \(example)",
        ].joined(separator: "\n")
    }

    /// `help TOPIC`: a command (or alias), a setting, or `expressions`; nil when TOPIC is none.
    public static func topic(_ topic: String) -> String? {
        if topic == "expressions" {
            // Printed from the same table the resolver reads.
            return (["Names in expressions (type, where they can be evaluated):"] + NameTable.helpLines).joined(separator: "\n")
        }
        if let declaration = CommandRegistry.declaration(topic) { return command(declaration) }
        if let setting = Settings.declaration(topic) { return self.setting(setting) }
        return nil
    }

    /// Everything `help TOPIC` knows, for "did you mean".
    public static var topics: [String] { CommandRegistry.names + Settings.names + ["expressions"] }

    /// The README's command list: one `usage  # summary` line per command.
    public static func readmeCommandList() -> String {
        let width = CommandRegistry.declarations.map(\.usage.count).max() ?? 0
        return CommandRegistry.declarations.map { declaration in
            pad(declaration.usage, to: width + 1) + "# " + firstSentence(declaration.summary)
        }.joined(separator: "\n")
    }

    /// The README's settings table.
    public static func readmeSettingsTable() -> String {
        (["| setting | value | default | meaning |", "|---|---|---|---|"]
            + Settings.all.map { "| `\($0.name)` | `\($0.valueShape.replacing("|", with: "\\|"))` | `\($0.defaultValue)` | \($0.summary) |" })
            .joined(separator: "\n")
    }

    private static func pad(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    private static func firstSentence(_ text: String) -> String {
        guard let end = text.range(of: ". ") else { return text }
        return String(text[..<end.lowerBound]) + "."
    }
}
