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

/// A setting read as a typed value (a duration, a count, one of an enum's cases). Its default is
/// written once, typed: the declaration's text default is that value's spelling, so the typed
/// accessor and `help` cannot disagree.
public struct TypedSetting<Value: Sendable>: Sendable {
    public let declaration: SettingDeclaration
    public let defaultValue: Value
    private let read: @Sendable (String) -> Value?

    public init(_ declaration: SettingDeclaration, defaultValue: Value, read: @escaping @Sendable (String) -> Value?) {
        self.declaration = declaration
        self.defaultValue = defaultValue
        self.read = read
    }

    public var name: String { declaration.name }

    /// The value in force: the session's (checked when it was set), else the default.
    public func value(in graph: SessionGraph) -> Value {
        graph.setting(declaration.name).flatMap(read) ?? defaultValue
    }
}

extension TypedSetting where Value == TraceDuration {
    /// A duration setting; `check` adds limits to the positive-duration rule.
    public static func duration(_ name: String, defaultValue: TraceDuration, summary: String,
                                check: @escaping @Sendable (TraceDuration, SessionGraph) throws -> Void = { _, _ in }) -> Self {
        Self(SettingDeclaration(name: name, valueShape: "DURATION", defaultValue: defaultValue.description, summary: summary) { value, graph in
            guard let duration = TraceDuration(parsing: value), duration.milliseconds > 0 else {
                throw Diagnostic("invalid duration '\(value)'; \(TraceDuration.spellingHint) (whole milliseconds)", at: nil)
            }
            try check(duration, graph)
            return duration.description
        }, defaultValue: defaultValue, read: TraceDuration.init(parsing:))
    }
}

extension TypedSetting where Value == Int {
    /// A positive whole number.
    public static func count(_ name: String, defaultValue: Int, summary: String) -> Self {
        Self(SettingDeclaration(name: name, valueShape: "N", defaultValue: String(defaultValue), summary: summary) { value, _ in
            guard let count = Int(value), count > 0 else {
                throw Diagnostic("\(name) must be a positive whole number, not '\(value)'", at: nil)
            }
            return String(count)
        }, defaultValue: defaultValue, read: { Int($0) })
    }
}

extension TypedSetting where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enum's cases, by its spelling.
    public static func choice(_ name: String, defaultValue: Value, summary: String) -> Self {
        Self(SettingDeclaration(name: name, choices: Value.allCases.map(\.rawValue), defaultValue: defaultValue.rawValue, summary: summary),
             defaultValue: defaultValue, read: Value.init(rawValue:))
    }
}
