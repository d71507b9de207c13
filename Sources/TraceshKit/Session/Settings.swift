/// Validation and defaults of the settings `set` knows.
public enum Settings {
    public static let defaultDuration = TraceDuration.seconds(10)
    /// The hard ceiling on a run: `set max-duration` may lower it, never raise it.
    public static let durationCeiling = TraceDuration.minutes(10)
    public static let defaultMaxEvents = 100_000

    public static var names: [String] { CommandCatalog.settings.map(\.name) }

    public static func isSetting(_ name: String) -> Bool { names.contains(name) }

    /// Checks a value for a setting and returns it in canonical spelling.
    public static func validate(_ name: String, _ value: String, in graph: SessionGraph) throws -> String {
        switch name {
        case "format":
            guard let format = OutputFormat(rawValue: value) else {
                throw Diagnostic("format must be table, json or csv, not '\(value)'", at: nil)
            }
            return format.rawValue
        case "duration":
            let duration = try parseDuration(value)
            let ceiling = maxDuration(graph)
            guard duration <= ceiling else {
                throw Diagnostic("duration \(duration) is longer than max-duration \(ceiling)", at: nil)
            }
            return duration.description
        case "max-duration":
            let duration = try parseDuration(value)
            guard duration <= durationCeiling else {
                throw Diagnostic("max-duration cannot exceed \(durationCeiling) (runs are limited to 10 minutes)", at: nil)
            }
            return duration.description
        case "max-events":
            guard let count = Int(value), count > 0 else {
                throw Diagnostic("max-events must be a positive whole number, not '\(value)'", at: nil)
            }
            return String(count)
        case "stream":
            guard value == "on" || value == "off" else {
                throw Diagnostic("stream must be 'on' or 'off', not '\(value)'", at: nil)
            }
            return value
        case "on-error":
            guard value == "stop" || value == "continue" else {
                throw Diagnostic("on-error must be 'stop' or 'continue', not '\(value)'", at: nil)
            }
            return value
        default:
            return value
        }
    }

    static func parseDuration(_ value: String) throws -> TraceDuration {
        guard let duration = TraceDuration(parsing: value), duration.milliseconds > 0 else {
            throw Diagnostic("invalid duration '\(value)'; use e.g. 500ms, 10s, 2m", at: nil)
        }
        return duration
    }

    /// The format the session set with `set format`, if any.
    public static func format(_ graph: SessionGraph) -> OutputFormat? {
        graph.setting("format").flatMap(OutputFormat.init(rawValue:))
    }

    public static func maxDuration(_ graph: SessionGraph) -> TraceDuration {
        graph.setting("max-duration").flatMap(TraceDuration.init(parsing:)) ?? durationCeiling
    }

    public static func duration(_ graph: SessionGraph) -> TraceDuration {
        graph.setting("duration").flatMap(TraceDuration.init(parsing:)) ?? defaultDuration
    }

    public static func maxEvents(_ graph: SessionGraph) -> Int {
        graph.setting("max-events").flatMap(Int.init) ?? defaultMaxEvents
    }

    public static func continuesOnError(_ graph: SessionGraph) -> Bool {
        graph.setting("on-error") == "continue"
    }
}
