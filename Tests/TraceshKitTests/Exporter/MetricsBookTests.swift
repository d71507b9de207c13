import Foundation
import Testing
@testable import TraceshExporter
@testable import TraceshLanguage
@testable import TraceshModel

/// `tracesh serve`'s metrics: names, labels, totals carried across bpftrace restarts, the
/// series cap, and the exposition text (read back line by line).
@Suite struct MetricsBookTests {
    static func aggregation(_ text: String, probe: String?) throws -> Aggregation {
        // `FUNC [ARG] [by KEY, ...]` through the real parser.
        guard case .agg(let aggregation) = try CommandParser.parse(LocatedText("agg " + (probe.map { "\($0): " } ?? "") + text)).kind else {
            throw Diagnostic("not an agg", at: nil)
        }
        return aggregation
    }

    static func program(_ aggregations: [(String, String?)]) throws -> CompiledProgram {
        let maps = try aggregations.enumerated().map { index, entry in
            let aggregation = try aggregation(entry.0, probe: entry.1)
            return CompiledMap(name: "@agg\(index + 1)", aggregation: aggregation,
                               keyKinds: aggregation.keys.map { $0.description == "pid" ? .integer : .string })
        }
        return CompiledProgram(source: "", framing: .random(),
                               probes: [CompiledProbe(name: "o", function: "sys_openat", resolved: "tracepoint:syscalls:sys_enter_openat", format: nil, fields: []),
                                        CompiledProbe(name: "r", function: "sys_openat", resolved: "tracepoint:syscalls:sys_exit_openat", format: nil, fields: [])],
                               maps: maps, userFilters: [])
    }

    static func counts(_ map: String, _ rows: [([TraceValue], Int64)], _ aggregation: Aggregation) -> AggregationResult {
        AggregationResult(map: map, aggregation: aggregation, rows: rows.map { .init(keys: $0.0, value: .scalar($0.1)) })
    }

    /// The value of the exposition line `name{labels}` (labels as written), nil when absent.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func namesComeFromProbeFunctionAndArgumentAndAreUnique() throws {
        let names = MetricNames.metricNames(for: [
            try Self.aggregation("count by comm", probe: "o"),
            try Self.aggregation("count by pid", probe: "o"),
            try Self.aggregation("hist latency", probe: "r"),
            try Self.aggregation("max arg3", probe: "o"),
            try Self.aggregation("count", probe: nil),
        ])
        #expect(names == ["tracesh_o_count_total", "tracesh_o_count_by_pid_total", "tracesh_r_hist_latency", "tracesh_o_max_arg3", "tracesh_all_count_total"])
        #expect(MetricNames.labelNames(for: try Self.aggregation("count by comm, arg2@user, le", probe: "o").keys) == ["comm", "arg2_user", "key_le"])
        #expect(MetricNames.sanitize("9lives-x") == "_9lives_x")
    }

    @Test func labelValuesFollowTheCSVRuleAndAreEscapedForTheExposition() throws {
        let aggregation = try Self.aggregation("count by comm", probe: "o")
        var book = MetricsBook(program: try Self.program([("count by comm", "o")]), maxSeries: 10)
        let weird: [UInt8] = Array("a\"b\\c\nd".utf8) + [0xff]
        book.update(aggregations: [Self.counts("@agg1", [([.bytes(weird)], 3), ([.bytes(Array("cat".utf8))], 2)], aggregation)],
                    eventsPerProbe: [5, 0], lostEvents: 0)
        let text = MetricsExposition(book: book, version: "test").render()
        // Not UTF-8: `\xff` and the backslash doubled (the CSV rule), then the exposition's own
        // escaping of backslash, quote and newline.
        #expect(Self.sample(text, #"tracesh_o_count_total{comm="a\"b\\\\c\nd\\xff"}"#) == 3)
        #expect(Self.sample(text, #"tracesh_o_count_total{comm="cat"}"#) == 2)
        #expect(Self.sample(text, #"tracesh_events_total{probe="o"}"#) == 5)
        #expect(Self.sample(text, "tracesh_build_info{version=\"test\"}") == 1)
        #expect(text.contains("# TYPE tracesh_o_count_total counter"))
    }

    @Test func totalsAreCarriedAcrossBpftraceRestartsAndNeverGoDown() throws {
        let aggregation = try Self.aggregation("count by comm", probe: "o")
        let exposition = MetricsExposition(book: MetricsBook(program: try Self.program([("count by comm", "o")]), maxSeries: 10), version: "t")
        let cat: [TraceValue] = [.bytes(Array("cat".utf8))], ls: [TraceValue] = [.bytes(Array("ls".utf8))]
        exposition.update { $0.update(aggregations: [Self.counts("@agg1", [(cat, 4)], aggregation)], eventsPerProbe: [4, 0], lostEvents: 1) }
        exposition.update { $0.update(aggregations: [Self.counts("@agg1", [(cat, 7), (ls, 1)], aggregation)], eventsPerProbe: [8, 0], lostEvents: 2) }
        var text = exposition.render()
        #expect(Self.sample(text, #"tracesh_o_count_total{comm="cat"}"#) == 7)
        // bpftrace died: the new process counts from zero, on top of what was counted.
        exposition.update { $0.endProcess(); $0.noteRestart() }
        text = exposition.render()
        #expect(Self.sample(text, #"tracesh_o_count_total{comm="cat"}"#) == 7)
        #expect(Self.sample(text, "tracesh_bpftrace_restarts_total") == 1)
        #expect(Self.sample(text, "tracesh_up") == 0)
        exposition.update { $0.update(aggregations: [Self.counts("@agg1", [(cat, 2)], aggregation)], eventsPerProbe: [2, 0], lostEvents: 0) }
        text = exposition.render()
        #expect(Self.sample(text, #"tracesh_o_count_total{comm="cat"}"#) == 9)
        #expect(Self.sample(text, #"tracesh_o_count_total{comm="ls"}"#) == 1)
        #expect(Self.sample(text, #"tracesh_events_total{probe="o"}"#) == 10)
        #expect(Self.sample(text, "tracesh_lost_events_total") == 2)
    }

    @Test func seriesBeyondTheCapFoldIntoOtherAndAreCounted() throws {
        let aggregation = try Self.aggregation("count by pid", probe: "o")
        var book = MetricsBook(program: try Self.program([("count by pid", "o")]), maxSeries: 3)
        let rows: [([TraceValue], Int64)] = (1...10).map { ([.integer(Int64($0))], Int64($0)) }
        book.update(aggregations: [Self.counts("@agg1", rows, aggregation)], eventsPerProbe: [55, 0], lostEvents: 0)
        let text = MetricsExposition(book: book, version: "t").render()
        let series = text.split(separator: "\n").filter { $0.hasPrefix("tracesh_o_count_total{") }
        #expect(series.count == 4)
        // The first three label sets seen stay themselves; 4 + 5 + ... + 10 = 49 go to `other`.
        for pid in 1...3 { #expect(Self.sample(text, "tracesh_o_count_total{pid=\"\(pid)\"}") == Double(pid)) }
        #expect(Self.sample(text, #"tracesh_o_count_total{pid="other"}"#) == 49)
        #expect(Self.sample(text, #"tracesh_dropped_series_total{metric="tracesh_o_count_total"}"#) == 7)
        // A label set folded once stays folded (the same seven are not counted again).
        var again = book
        again.update(aggregations: [Self.counts("@agg1", rows.map { ($0.0, $0.1 * 2) }, aggregation)], eventsPerProbe: [110, 0], lostEvents: 0)
        let next = MetricsExposition(book: again, version: "t").render()
        #expect(Self.sample(next, #"tracesh_dropped_series_total{metric="tracesh_o_count_total"}"#) == 7)
        #expect(Self.sample(next, #"tracesh_o_count_total{pid="other"}"#) == 98)
    }

    @Test func histogramBucketsBecomeCumulativeLeBounds() throws {
        let aggregation = try Self.aggregation("hist latency", probe: "r")
        var book = MetricsBook(program: try Self.program([("hist latency", "r")]), maxSeries: 10)
        // bpftrace's hist: [0], [1], [2, 4), [4, 8) ... (low inclusive, high exclusive).
        let buckets = [AggregationResult.Bucket(label: "[2, 4)", low: 2, high: 4, count: 3),
                       AggregationResult.Bucket(label: "[4, 8)", low: 4, high: 8, count: 0),
                       AggregationResult.Bucket(label: "[8, 16)", low: 8, high: 16, count: 5)]
        book.update(aggregations: [AggregationResult(map: "@agg1", aggregation: aggregation, rows: [.init(keys: [], value: .histogram(buckets))])],
                    eventsPerProbe: [0, 8], lostEvents: 0)
        let text = MetricsExposition(book: book, version: "t").render()
        #expect(text.contains("# TYPE tracesh_r_hist_latency histogram"))
        #expect(Self.sample(text, #"tracesh_r_hist_latency_bucket{le="3"}"#) == 3)
        #expect(Self.sample(text, #"tracesh_r_hist_latency_bucket{le="15"}"#) == 8)
        #expect(Self.sample(text, #"tracesh_r_hist_latency_bucket{le="+Inf"}"#) == 8)
        #expect(Self.sample(text, "tracesh_r_hist_latency_count") == 8)
        // Estimated from the buckets' middles: 3 x 2.5 + 5 x 11.5.
        #expect(Self.sample(text, "tracesh_r_hist_latency_sum") == 65)
    }
}

/// `serve` takes a script's commands before its first `run`: one file is runbook and exporter.
@Suite struct ServeScriptTests {
    @Test func theDeclarationsEndBeforeTheFirstRun() {
        let source = "default duration 10s\nprobe o = sys_openat\n# run 5s in a comment is not a command\nagg o: count by comm\nrun $d\ntop 10\n"
        let cut = ServeScript.declarations(of: source, variables: [Setting(name: "d", value: "5s")])
        #expect(cut.runLine == 5)
        #expect(cut.source == "default duration 10s\nprobe o = sys_openat\n# run 5s in a comment is not a command\nagg o: count by comm\n")
        let whole = "probe o = sys_openat\nagg o: count\n"
        #expect(ServeScript.declarations(of: whole, variables: []) == (whole, nil))
        // `run $duration` with the script's own default (not known before it runs).
        #expect(ServeScript.declarations(of: "default duration 10s\nprobe o = sys_openat\nrun $duration\n", variables: []).runLine == 3)
    }
}
