import Foundation
import TraceshModel

/// One interval of `run ... every INTERVAL` as results: a JSON object carrying its number and
/// end time, or a summary line, the top processes and the aggregations.
public enum IntervalReport {
    /// How many processes an interval's `top` lists.
    public static let topLimit = 5

    /// `{"run", "interval", "end_time" (ns since the epoch), "duration", "statistics", "aggregations"}`.
    public static func json(_ interval: IntervalResult, run: Int) -> JSONValue {
        .object([
            ("run", .int(Int64(run))),
            ("interval", .int(interval.number)),
            ("end_time", .int(interval.endTime)),
            ("duration", .double(interval.seconds)),
            ("statistics", RunReport.statisticsJSON(interval.statistics, duration: interval.seconds)),
            ("aggregations", .array(interval.aggregations.map(RunReport.aggregationJSON))),
        ])
    }

    /// `run 1 interval 3 (to 12:00:03.000000000): 1200 events, 1200.0/s`.
    public static func summary(_ interval: IntervalResult, run: Int, keep: Bool) -> String {
        let total = interval.statistics.totalEvents
        return "run \(run) interval \(interval.number) (to \(RunReport.clockTime(interval.endTime))\(keep ? ", since the start" : "")): "
            + "\(total) events, " + String(format: "%.1f/s", interval.statistics.rate(over: interval.seconds))
    }

    /// The interval's results in table or CSV form, in the order they are printed.
    public static func results(_ interval: IntervalResult, run: Int, keep: Bool) -> [CommandResult] {
        var results: [CommandResult] = [.message(summary(interval, run: run, keep: keep))]
        if !interval.statistics.eventsPerProcess.isEmpty {
            var top = RunReport.topTable(interval.statistics, limit: topLimit)
            top.title = "top"
            results.append(.table(top))
        }
        results += interval.aggregations.map(CommandResult.aggregation)
        return results
    }
}
