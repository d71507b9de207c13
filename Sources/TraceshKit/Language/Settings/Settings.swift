import TraceshModel
import TraceshFiles

/// The settings `set` knows, each declared once; any other name set with `set` is a variable.
/// The typed accessors read a setting's value in force (the session's, else its default).
public enum Settings {
    /// The hard ceiling on a run: `set max-duration` may lower it, never raise it.
    public static let durationCeiling = TraceDuration.minutes(10)

    public static let formatSetting = SettingDeclaration(
        name: "format", choices: OutputFormat.allCases.map(\.rawValue), defaultValue: OutputFormat.table.rawValue,
        summary: "output format: table, json (JSON Lines) or csv (the default is --format's, else table)")

    public static let durationSetting = SettingDeclaration(
        name: "duration", valueShape: "DURATION", defaultValue: "10s",
        summary: "run length when 'run' names none") { value, graph in
        let duration = try parsePositiveDuration(value)
        let ceiling = maxDuration(graph)
        guard duration <= ceiling else {
            throw Diagnostic("duration \(duration) is longer than max-duration \(ceiling)", at: nil)
        }
        return duration.description
    }

    public static let maxDurationSetting = SettingDeclaration(
        name: "max-duration", valueShape: "DURATION", defaultValue: durationCeiling.description,
        summary: "longest run allowed, at most \(durationCeiling)") { value, _ in
        let duration = try parsePositiveDuration(value)
        guard duration <= durationCeiling else {
            throw Diagnostic("max-duration cannot exceed \(durationCeiling) (runs are limited to 10 minutes)", at: nil)
        }
        return duration.description
    }

    public static let maxEventsSetting = SettingDeclaration(
        name: "max-events", valueShape: "N", defaultValue: "100000",
        summary: "events kept in memory per run; older ones are dropped and counted") { value, _ in
        guard let count = Int(value), count > 0 else {
            throw Diagnostic("max-events must be a positive whole number, not '\(value)'", at: nil)
        }
        return String(count)
    }

    public static let onErrorSetting = SettingDeclaration(
        name: "on-error", choices: ["stop", "continue"], defaultValue: "stop",
        summary: "what a script does after a failing command (it still exits 1)")

    public static let streamSetting = SettingDeclaration(
        name: "stream", choices: StreamMode.allCases.map(\.rawValue), defaultValue: StreamMode.auto.rawValue,
        summary: "auto: a probe with aggregations and no format string is counted in the kernel only, others stream; on: every probe streams its events; off: none does (stats and top stay exact from in-kernel counts)")

    public static let traceSelfSetting = SettingDeclaration(
        name: "trace-self", choices: ["off", "on"], defaultValue: "off",
        summary: "on: probes see tracesh and its bpftrace too (by default they are left out in the kernel)")

    public static let liveSetting = SettingDeclaration(
        name: "live", choices: ["on", "off"], defaultValue: "off",
        summary: "on: a foreground run prints each event as it arrives, a sample above a few hundred a second (the default is on when standard output is a terminal)")

    public static let stacksSetting = SettingDeclaration(
        name: "stacks", choices: StackEvents.allCases.map(\.rawValue), defaultValue: StackEvents.off.rawValue,
        summary: "user, kernel or both: every streamed event carries its call stacks (fields ustack, kstack), frames named by tracesh")

    public static let scrapeIntervalSetting = SettingDeclaration(
        name: "scrape-interval", valueShape: "DURATION", defaultValue: "5s",
        summary: "tracesh serve: how often the in-kernel maps are read for /metrics (they are never cleared)") { value, _ in
        let interval = try parsePositiveDuration(value)
        guard interval.milliseconds >= 100 else {
            throw Diagnostic("scrape-interval must be at least 100ms, not '\(value)'", at: nil)
        }
        return interval.description
    }

    public static let maxSeriesSetting = SettingDeclaration(
        name: "max-series", valueShape: "N", defaultValue: "10000",
        summary: "tracesh serve: label sets per metric; further ones are folded into 'other' and counted in tracesh_dropped_series_total") { value, _ in
        guard let count = Int(value), count > 0 else {
            throw Diagnostic("max-series must be a positive whole number, not '\(value)'", at: nil)
        }
        return String(count)
    }

    /// Every setting, in the order help lists them.
    public static let all: [SettingDeclaration] = [
        formatSetting, durationSetting, maxDurationSetting, maxEventsSetting, onErrorSetting, streamSetting, traceSelfSetting,
        liveSetting, stacksSetting, scrapeIntervalSetting, maxSeriesSetting,
    ]

    /// The stacks every streamed event carries (`set stacks`).
    public static func stackEvents(_ graph: SessionGraph) -> StackEvents {
        StackEvents(rawValue: stacksSetting.value(in: graph)) ?? .off
    }

    public static var names: [String] { all.map(\.name) }

    public static func declaration(_ name: String) -> SettingDeclaration? { all.first { $0.name == name } }

    public static func isSetting(_ name: String) -> Bool { declaration(name) != nil }

    static func parsePositiveDuration(_ value: String) throws -> TraceDuration {
        guard let duration = TraceDuration(parsing: value), duration.milliseconds > 0 else {
            throw Diagnostic("invalid duration '\(value)'; \(TraceDuration.spellingHint) (whole milliseconds)", at: nil)
        }
        return duration
    }

    /// The format the session set with `set format`, if any (the front end's `--format` applies otherwise).
    public static func format(_ graph: SessionGraph) -> OutputFormat? {
        graph.setting(formatSetting.name).flatMap(OutputFormat.init(rawValue:))
    }

    public static func maxDuration(_ graph: SessionGraph) -> TraceDuration {
        TraceDuration(parsing: maxDurationSetting.value(in: graph)) ?? durationCeiling
    }

    public static func duration(_ graph: SessionGraph) -> TraceDuration {
        TraceDuration(parsing: durationSetting.value(in: graph)) ?? .seconds(10)
    }

    public static func maxEvents(_ graph: SessionGraph) -> Int {
        Int(maxEventsSetting.value(in: graph)) ?? 100_000
    }

    /// Which probes stream their events to tracesh (`set stream`).
    public static func streamMode(_ graph: SessionGraph) -> StreamMode {
        StreamMode(rawValue: streamSetting.value(in: graph)) ?? .auto
    }

    /// Whether the session set `live` (nil: the front end's default applies).
    public static func live(_ graph: SessionGraph) -> Bool? {
        graph.setting(liveSetting.name).map { $0 == "on" }
    }

    /// Whether probes see tracesh and its bpftrace (`trace-self on`).
    public static func tracesSelf(_ graph: SessionGraph) -> Bool {
        traceSelfSetting.value(in: graph) == "on"
    }

    /// How often `tracesh serve` reads the in-kernel maps (`set scrape-interval`).
    public static func scrapeInterval(_ graph: SessionGraph) -> TraceDuration {
        TraceDuration(parsing: scrapeIntervalSetting.value(in: graph)) ?? .seconds(5)
    }

    /// Label sets per metric that `tracesh serve` exports before folding into `other`.
    public static func maxSeries(_ graph: SessionGraph) -> Int {
        Int(maxSeriesSetting.value(in: graph)) ?? 10_000
    }

    public static func continuesOnError(_ graph: SessionGraph) -> Bool {
        onErrorSetting.value(in: graph) == "continue"
    }
}
