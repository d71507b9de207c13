import TraceshModel
import TraceshFiles

/// One setting of the language, declared once: its name, the shape of its value, its default,
/// how a value is checked, and its help. `set`, `help`, Tab completion and the README read it.
public struct SettingDeclaration: Sendable {
    public let name: String
    /// How the value is written in help: `table | json | csv`, `DURATION`, `N`.
    public let valueShape: String
    /// The value in force when the session has not set one.
    public let defaultValue: String
    public let summary: String
    /// The values Tab completion offers (empty when the value is free-form).
    public let choices: [String]
    /// Checks a value against the session and returns it in canonical spelling; the thrown
    /// diagnostic has no location (the `set` command supplies it).
    private let check: @Sendable (String, SessionGraph) throws -> String

    public init(name: String, valueShape: String, defaultValue: String, summary: String,
                choices: [String] = [], check: @escaping @Sendable (String, SessionGraph) throws -> String) {
        self.name = name
        self.valueShape = valueShape
        self.defaultValue = defaultValue
        self.summary = summary
        self.choices = choices
        self.check = check
    }

    /// A setting whose value is one of `choices`.
    public init(name: String, choices: [String], defaultValue: String, summary: String) {
        self.init(name: name, valueShape: choices.joined(separator: " | "), defaultValue: defaultValue,
                  summary: summary, choices: choices) { value, _ in
            guard choices.contains(value) else {
                let listed = choices.dropLast().joined(separator: ", ") + " or " + choices.last!
                throw Diagnostic("\(name) must be \(listed), not '\(value)'" + Suggestions.didYouMean(value, in: choices), at: nil)
            }
            return value
        }
    }

    /// Checks `value` for this setting and returns it in canonical spelling.
    public func validate(_ value: String, in graph: SessionGraph) throws -> String {
        try check(value, graph)
    }

    /// The value in force: the session's, else the default.
    public func value(in graph: SessionGraph) -> String {
        graph.setting(name) ?? defaultValue
    }
}
