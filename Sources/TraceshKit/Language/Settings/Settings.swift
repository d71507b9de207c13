import TraceshModel
import TraceshFiles

/// The settings `set` knows, each declared once; any other name set with `set` is a variable.
/// The typed accessors read a setting's value in force (the session's, else its default).
public enum Settings {
    /// The hard ceiling on a run: `set max-duration` may lower it, never raise it.
    public static let durationCeiling = TraceDuration.minutes(10)

    public static let formatSetting = TypedSetting.choice(
        "format", defaultValue: OutputFormat.table,
        summary: "output format: table, json (JSON Lines) or csv (the default is --format's, else table)")

    public static let durationSetting = TypedSetting.duration(
        "duration", defaultValue: .seconds(10), summary: "run length when 'run' names none") { duration, graph in
        let ceiling = maxDuration(graph)
        guard duration <= ceiling else {
            throw Diagnostic("duration \(duration) is longer than max-duration \(ceiling)", at: nil)
        }
    }

    public static let maxDurationSetting = TypedSetting.duration(
        "max-duration", defaultValue: durationCeiling, summary: "longest run allowed, at most \(durationCeiling)") { duration, _ in
        guard duration <= durationCeiling else {
            throw Diagnostic("max-duration cannot exceed \(durationCeiling) (runs are limited to 10 minutes)", at: nil)
        }
    }

    public static let maxEventsSetting = TypedSetting.count(
        "max-events", defaultValue: 100_000, summary: "events kept in memory per run; older ones are dropped and counted")

    public static let onErrorSetting = SettingDeclaration(
        name: "on-error", choices: ["stop", "continue"], defaultValue: "stop",
        summary: "what a script does after a failing command (it still exits 1)")

    public static let streamSetting = TypedSetting.choice(
        "stream", defaultValue: StreamMode.auto,
        summary: "auto: a probe with aggregations and no format string is counted in the kernel only, others stream; on: every probe streams its events; off: none does (stats and top stay exact from in-kernel counts)")

    public static let traceSelfSetting = SettingDeclaration(
        name: "trace-self", choices: ["off", "on"], defaultValue: "off",
        summary: "on: probes see tracesh and its bpftrace too (by default they are left out in the kernel)")

    public static let liveSetting = SettingDeclaration(
        name: "live", choices: ["on", "off"], defaultValue: "off",
        summary: "on: a foreground run prints each event as it arrives, a sample above a few hundred a second (the default is on when standard output is a terminal)")

    public static let stacksSetting = TypedSetting.choice(
        "stacks", defaultValue: StackEvents.off,
        summary: "user, kernel or both: every streamed event carries its call stacks (fields ustack, kstack), frames named by tracesh")

    public static let scrapeIntervalSetting = TypedSetting.duration(
        "scrape-interval", defaultValue: .seconds(5),
        summary: "tracesh serve: how often the in-kernel maps are read for /metrics (they are never cleared)") { interval, _ in
        guard interval.milliseconds >= 100 else {
            throw Diagnostic("scrape-interval must be at least 100ms, not '\(interval)'", at: nil)
        }
    }

    public static let maxSeriesSetting = TypedSetting.count(
        "max-series", defaultValue: 10_000,
        summary: "tracesh serve: label sets per metric; further ones are folded into 'other' and counted in tracesh_dropped_series_total")

    /// Every setting, in the order help lists them.
    public static let all: [SettingDeclaration] = [
        formatSetting.declaration, durationSetting.declaration, maxDurationSetting.declaration, maxEventsSetting.declaration,
        onErrorSetting, streamSetting.declaration, traceSelfSetting, liveSetting, stacksSetting.declaration,
        scrapeIntervalSetting.declaration, maxSeriesSetting.declaration,
    ]

    /// The stacks every streamed event carries (`set stacks`).
    public static func stackEvents(_ graph: SessionGraph) -> StackEvents {
        stacksSetting.value(in: graph)
    }

    public static var names: [String] { all.map(\.name) }

    public static func declaration(_ name: String) -> SettingDeclaration? { all.first { $0.name == name } }

    public static func isSetting(_ name: String) -> Bool { declaration(name) != nil }

    /// The format the session set with `set format`, if any (the front end's `--format` applies otherwise).
    public static func format(_ graph: SessionGraph) -> OutputFormat? {
        graph.setting(formatSetting.name).flatMap(OutputFormat.init(rawValue:))
    }

    public static func maxDuration(_ graph: SessionGraph) -> TraceDuration {
        maxDurationSetting.value(in: graph)
    }

    public static func duration(_ graph: SessionGraph) -> TraceDuration {
        durationSetting.value(in: graph)
    }

    public static func maxEvents(_ graph: SessionGraph) -> Int {
        maxEventsSetting.value(in: graph)
    }

    /// Which probes stream their events to tracesh (`set stream`).
    public static func streamMode(_ graph: SessionGraph) -> StreamMode {
        streamSetting.value(in: graph)
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
        scrapeIntervalSetting.value(in: graph)
    }

    /// Label sets per metric that `tracesh serve` exports before folding into `other`.
    public static func maxSeries(_ graph: SessionGraph) -> Int {
        maxSeriesSetting.value(in: graph)
    }

    public static func continuesOnError(_ graph: SessionGraph) -> Bool {
        onErrorSetting.value(in: graph) == "continue"
    }
}
