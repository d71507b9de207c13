import Foundation
import TraceshModel

/// Results of a run as tables and as the agent's JSON response objects.
public enum RunReport {
    /// Events as the agent shape: timestamp, pid, tid, process_name, function, message, raw_args.
    public static func eventObject(_ event: TraceEvent, program: CompiledProgram) -> JSONValue {
        let probe = program.probes[event.probeIndex]
        return .object([
            ("timestamp", .int(event.timestamp)),
            ("pid", .int(event.pid)),
            ("tid", .int(event.tid)),
            ("uid", .int(event.uid)),
            ("cpu", .int(event.cpu)),
            ("process_name", .bytes(event.comm)),
            ("probe", .string(probe.name)),
            ("function", .string(program.function(of: event))),
            ("resolved", .string(probe.resolved)),
            ("message", .bytes(event.message)),
            ("raw_args", .object(event.rawArgs.map { ($0.name, $0.value.json) })),
        ])
    }

    /// Events as a table: JSON-shaped columns for json, readable ones for table and csv.
    public static func eventsTable(_ events: [TraceEvent], program: CompiledProgram, format: OutputFormat) -> ResultTable {
        if format == .json {
            let objects = events.map { eventObject($0, program: program) }
            let columns = ["timestamp", "pid", "tid", "uid", "cpu", "process_name", "probe", "function", "resolved", "message", "raw_args"]
            return ResultTable(columns: columns, rows: objects.map { object in columns.map { object[$0] ?? .null } })
        }
        let table = ResultTable(columns: ["time", "pid", "tid", "comm", "probe", "function", "message", "args"], rows: events.map { event in
            let probe = program.probes[event.probeIndex]
            // In a table, the values the message already shows (the format's, first) are not
            // repeated; CSV keeps them all, for programs that read the columns.
            let shown = format == .table ? probe.format?.conversions.count ?? 0 : 0
            let arguments = event.rawArgs.dropFirst(shown).map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            return [.string(clockTime(event.timestamp)), .int(event.pid), .int(event.tid), .bytes(event.comm), .string(probe.name),
                    .string(program.function(of: event)), .bytes(event.message), .string(arguments)]
        })
        // A table whose every ARGS cell is empty leaves the column out.
        guard format == .table, !table.rows.isEmpty, table.rows.allSatisfy({ $0.last == .string("") }) else { return table }
        return ResultTable(columns: Array(table.columns.dropLast()), rows: table.rows.map { Array($0.dropLast()) })
    }

    /// `14:03:07.123456789` in local time.
    static func clockTime(_ nanoseconds: Int64) -> String {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        let fraction = String(nanoseconds % 1_000_000_000)
        return String(format: "%02d:%02d:%02d.", parts.tm_hour, parts.tm_min, parts.tm_sec) + String(repeating: "0", count: 9 - fraction.count) + fraction
    }

    public static func topTable(_ statistics: Statistics, limit: Int) -> ResultTable {
        ResultTable(columns: ["process_name", "pid", "event_count"], rows: statistics.topProcesses(limit).map {
            [.bytes($0.key.comm), .int($0.key.pid), .int($0.count)]
        })
    }

    /// `top_processes` as the agent wants it: by name, summed over pids.
    static func topProcessesJSON(_ statistics: Statistics, limit: Int) -> JSONValue {
        var byName: [[UInt8]: Int64] = [:]
        for (key, count) in statistics.eventsPerProcess { byName[key.comm, default: 0] += count }
        let sorted = byName.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key) }
        return .array(sorted.prefix(limit).map { .object([("process_name", .bytes($0.key)), ("event_count", .int($0.value))]) })
    }

    /// The statistics object; with `health`, also what bpftrace said and what could not be read
    /// (see `outputHealthJSON`).
    public static func statisticsJSON(_ statistics: Statistics, duration: Double, probeIndex: Int? = nil,
                                      health: RunHealth? = nil) -> JSONValue {
        let total = probeIndex.map { statistics.eventsPerProbe[$0] } ?? statistics.totalEvents
        return .object([
            ("total_events", .int(total)),
            ("events_per_second", .double(duration > 0 ? Double(total) / duration : 0)),
            ("duration", .double(duration)),
            ("top_processes", topProcessesJSON(statistics, limit: 10)),
            ("lost_events", .int(statistics.lostEvents)),
        ] + (health.map(outputHealthJSON) ?? []))
    }

    /// bpftrace's own lines (`bpftrace_messages`, with `bpftrace_messages_dropped` beyond the
    /// limit kept), records that did not fit the program (`malformed_records`) and records the
    /// scanner found damaged (`damaged_records`): counted during the run, so shown with it.
    static func outputHealthJSON(_ health: RunHealth) -> [(String, JSONValue)] {
        [
            ("bpftrace_messages", .array(health.messages.map(JSONValue.string))),
            ("bpftrace_messages_dropped", .int(health.droppedMessages)),
            ("malformed_records", .int(health.malformedRecords)),
            ("damaged_records", .int(health.damagedRecords)),
        ]
    }

    public static func statisticsTable(_ run: RunSnapshot) -> ResultTable {
        let statistics = run.statistics
        let health = run.health
        var rows: [[JSONValue]] = [
            [.string("state"), .string(run.state)],
            [.string("duration_s"), .double(run.duration)],
            [.string("total_events"), .int(statistics.totalEvents)],
            [.string("events_per_second"), .double(statistics.rate(over: run.duration))],
            [.string("lost_events"), .int(statistics.lostEvents)],
            [.string("filtered_in_user_space"), .int(statistics.filteredOut)],
            [.string("kept_in_memory"), .int(Int64(run.events.count))],
            [.string("dropped_from_memory"), .int(run.droppedFromMemory)],
        ]
        for (index, probe) in run.program.probes.enumerated() {
            rows.append([.string("events[\(probe.name)]"), .int(statistics.eventsPerProbe[index])])
        }
        rows.append([.string("malformed_records"), .int(health.malformedRecords)])
        rows.append([.string("damaged_records"), .int(health.damagedRecords)])
        for message in health.messages { rows.append([.string("bpftrace_message"), .string(message)]) }
        if health.droppedMessages > 0 {
            rows.append([.string("bpftrace_messages_dropped"), .int(health.droppedMessages)])
        }
        if let failure = run.failure { rows.append([.string("failure"), .string(failure)]) }
        return ResultTable(columns: ["statistic", "value"], rows: rows)
    }

    /// One agent response object per probe. With `eventsShown` (a live view printed them as they
    /// came) `events` is empty and `events_shown_live` says why; `event_count` still counts them.
    public static func agentResponses(_ run: RunSnapshot, eventsShown: Bool = false) -> [JSONValue] {
        let events = run.events
        return run.program.probes.enumerated().map { index, probe in
            let probeEvents = events.filter { $0.probeIndex == index }
            let aggregations = run.aggregations.filter { $0.aggregation.probe == nil || $0.aggregation.probe == probe.name }
            // From the run's exact counts, not the events memory kept (`max-events`).
            var perProbe = Statistics(probeCount: run.program.probes.count)
            perProbe.eventsPerProcess = run.statistics.eventsPerProcess(ofProbe: index)
            perProbe.lostEvents = run.statistics.lostEvents
            var statistics = statisticsJSON(run.statistics, duration: run.duration, probeIndex: index, health: run.health)
            if case .object(var pairs) = statistics {
                if let top = pairs.firstIndex(where: { $0.0 == "top_processes" }) { pairs[top].1 = topProcessesJSON(perProbe, limit: 10) }
                statistics = .object(pairs)
            }
            return .object([
                ("run", .int(Int64(run.id))),
                ("name", .string(probe.name)),
                ("type", .string("bcc_trace")),
                ("target", .string(probe.function)),
                ("resolved", .string(probe.resolved)),
                ("duration", .double(run.duration)),
                ("status", .string(run.state)),
                ("success", .bool(run.state != "failed")),
                ("error", run.failure.map(JSONValue.string) ?? .null),
                ("event_count", .int(run.statistics.eventsPerProbe[index])),
                ("events", .array(eventsShown ? [] : probeEvents.map { eventObject($0, program: run.program) })),
                ("statistics", statistics),
                ("aggregations", .array(aggregations.map(aggregationJSON))),
            ] + (eventsShown ? [("events_shown_live", .bool(true))] : []))
        }
    }

    public static func aggregationJSON(_ result: AggregationResult) -> JSONValue {
        .object([
            ("aggregation", .string(result.title)),
            ("rows", .array(result.rows.map { row in
                var pairs: [(String, JSONValue)] = [("keys", .array(row.keys.map(\.json)))]
                switch row.value {
                case .scalar(let value): pairs.append(("value", .int(value)))
                case .histogram(let buckets):
                    pairs.append(("buckets", .array(buckets.map { bucket in
                        .object([("low", bucket.low.map(JSONValue.int) ?? .null), ("high", bucket.high.map(JSONValue.int) ?? .null),
                                 ("count", .int(bucket.count)), ("range", .string(bucket.label))])
                    })))
                }
                return .object(pairs)
            })),
        ])
    }

    /// An aggregation as text: a table for scalars, bars like bpftrace's for histograms.
    /// An aggregation as rows: its keys, then its value; a histogram gives one row per bucket with
    /// `low`, `high` (exclusive; empty where the bucket is open) and `count`.
    public static func aggregationTable(_ result: AggregationResult) -> ResultTable {
        let keyNames = result.aggregation.keys.map(\.description)
        let isHistogram = result.aggregation.function.isHistogram
        var rows: [[JSONValue]] = []
        for row in result.rows {
            switch row.value {
            case .scalar(let value):
                rows.append(row.keys.map(\.json) + [.int(value)])
            case .histogram(let buckets):
                for bucket in buckets {
                    rows.append(row.keys.map(\.json) + [bucket.low.map(JSONValue.int) ?? .null, bucket.high.map(JSONValue.int) ?? .null, .int(bucket.count)])
                }
            }
        }
        let columns = keyNames + (isHistogram ? ["low", "high", "count"] : [result.aggregation.function.name])
        return ResultTable(columns: columns, rows: rows, title: "agg " + result.title)
    }

    public static func aggregationText(_ result: AggregationResult) -> String {
        var lines = ["agg \(result.title)"]
        if result.rows.isEmpty { lines.append("  (no events)") }
        let scalarRows = result.rows.filter { if case .scalar = $0.value { return true } else { return false } }
        if !scalarRows.isEmpty {
            let keyNames = result.aggregation.keys.map(\.description)
            let table = ResultTable(columns: keyNames + [result.aggregation.function.name],
                                    rows: scalarRows.sorted { valueOf($0) > valueOf($1) }.map { row in row.keys.map(\.json) + [.int(valueOf(row))] })
            lines.append(TableRenderer().render(table))
        }
        for row in result.rows {
            guard case .histogram(let buckets) = row.value else { continue }
            if !row.keys.isEmpty { lines.append(row.keys.map(\.description).joined(separator: ", ") + ":") }
            let peak = max(1, buckets.map(\.count).max() ?? 1)
            let width = buckets.map(\.label.count).max() ?? 0
            for bucket in buckets {
                let bar = String(repeating: "@", count: Int((Double(bucket.count) / Double(peak) * 40).rounded()))
                lines.append(bucket.label.padding(toLength: width, withPad: " ", startingAt: 0) + " " +
                             String(bucket.count).leftPadded(to: 8) + " |" + bar.padding(toLength: 40, withPad: " ", startingAt: 0) + "|")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func valueOf(_ row: AggregationResult.Row) -> Int64 {
        if case .scalar(let value) = row.value { return value }
        return 0
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
