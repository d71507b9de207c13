import CSV
import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshKernel
@testable import TraceshModel
@testable import TraceshOutput
@testable import TraceshSemantics
@testable import TraceshSuggest

private func parsed(_ text: String) -> TraceshKit.Expression {
    // Written by the test itself: always valid.
    try! ExpressionParser.parse(LocatedText(text))
}

/// Every kind of result, in every format, read back with a real parser: JSON Lines with
/// Foundation's JSON parser, CSV with an RFC 4180 reader.
@Suite struct EveryResultInEveryFormatTests {
    /// Awkward text: a comma, a quote, a newline, a tab and a non-ASCII letter.
    static let awkward = "a,b \"quoted\"\nnext\tline é"

    static let program = CompiledProgram(
        source: "", framing: EventFraming(boundary: "0123456789abcdef"),
        probes: [CompiledProbe(name: "o", function: "sys_openat", resolved: "tracepoint:syscalls:sys_enter_openat",
                               format: try? FormatString(parsing: "%s"), fields: [CompiledField(name: "arg2", kind: .string)])],
        maps: [], userFilters: [])

    static let event = TraceEvent(timestamp: 1_700_000_000_000_000_000, monotonic: 5, probeIndex: 0, pid: 42, tid: 43, uid: 0, cpu: 1,
                                  comm: Array("cat,\"x\"".utf8), message: Array(awkward.utf8),
                                  rawArgs: [NamedValue(name: "arg2", value: .bytes(Array(awkward.utf8)))])

    static var statistics: Statistics {
        var statistics = Statistics(probeCount: 1)
        statistics.record(event)
        return statistics
    }

    static let counts = AggregationResult(
        map: "@agg1", aggregation: Aggregation(probe: "o", function: .count, argument: nil, keys: [parsed("comm")]),
        rows: [.init(keys: [.bytes(Array("cat,\"x\"".utf8))], value: .scalar(7)), .init(keys: [.bytes(Array("sh".utf8))], value: .scalar(2))])

    static let histogram = AggregationResult(
        map: "@agg2", aggregation: Aggregation(probe: nil, function: .hist, argument: parsed("retval"), keys: []),
        rows: [.init(keys: [], value: .histogram([
            .init(label: "[0]", low: 0, high: 1, count: 1), .init(label: "[1]", low: 1, high: 2, count: 0),
            .init(label: "[2, 4)", low: 2, high: 4, count: 5), .init(label: "[512K, 1M)", low: 524288, high: 1048576, count: 3),
        ]))])

    /// Each result kind the language prints, named as the issue lists them.
    static var results: [(kind: String, result: CommandResult)] {
        var graph = SessionGraph()
        graph.probes.append(ProbeDeclaration(name: "o", spec: #"sys_openat "%s", arg2@user"#))
        graph.setVariable("note", awkward)
        return [
            ("events", .table(RunReport.eventsTable([event], program: program, format: .table))),
            ("events (json shape)", .table(RunReport.eventsTable([event], program: program, format: .json))),
            ("aggregation", .aggregation(counts)),
            ("histogram", .aggregation(histogram)),
            ("top", .table(RunReport.topTable(statistics, limit: 10))),
            ("stats", .document(RunReport.statisticsJSON(statistics, duration: 1.5))),
            ("runs", .table(ResultTable(columns: ["id", "state"], rows: [[.int(1), .string("completed")]]))),
            ("graph", .graph(graph)),
            ("caps", .table(Capabilities.detect(catalog: Fixtures.catalog, bpftrace: nil).table)),
            ("list", .table(ResultTable(columns: ["tracepoint"], rows: [[.string("syscalls:sys_enter_openat")]]))),
            ("suggest", .table(ProbeSuggester.table(for: "file"))),
            ("help", .text("usage: quit\n\nLeave tracesh.\n\nexample:\n  quit")),
            ("message", .message(awkward)),
        ]
    }

    // (Bytes that are not UTF-8 are written as lone surrogates, README "Output of bytes that are
    // not text", which Foundation's strict parser refuses; they are tested with the renderer.)
    @Test func everyResultIsOneJSONValuePerLine() throws {
        for (kind, result) in Self.results {
            let text = JSONLinesRenderer().render(result)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let value = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
                #expect(value != nil, "\(kind): not JSON: \(line)")
            }
        }
    }

    @Test func histogramsAreBucketsWithLowHighAndCount() throws {
        let line = JSONLinesRenderer().render(.aggregation(Self.histogram))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let rows = try #require(object["rows"] as? [[String: Any]])
        let buckets = try #require(rows.first?["buckets"] as? [[String: Any]])
        #expect(buckets.map { $0["low"] as? Int } == [0, 1, 2, 524288])
        #expect(buckets.map { $0["high"] as? Int } == [1, 2, 4, 1048576])
        #expect(buckets.map { $0["count"] as? Int } == [1, 0, 5, 3])

        let csv = try CSVReader(string: CSVRenderer().render(.aggregation(Self.histogram)), hasHeaderRow: true)
        #expect(csv.headerRow == ["low", "high", "count"])
        var read: [[String]] = []
        while let row = csv.next() { read.append(row) }
        #expect(read == [["0", "1", "1"], ["1", "2", "0"], ["2", "4", "5"], ["524288", "1048576", "3"]])
        // In a table they are bars.
        #expect(TableRenderer().render(.aggregation(Self.histogram)).contains("|@@@@@@@@"))
    }

    @Test func everyResultIsCSVWithItsOwnHeader() throws {
        for (kind, result) in Self.results {
            let expected = CSVRenderer.table(for: result)
            let csv = try CSVReader(string: CSVRenderer().render(result), hasHeaderRow: true)
            #expect(csv.headerRow == expected.columns, "\(kind)")
            var rows: [[String]] = []
            while let row = csv.next() { rows.append(row) }
            #expect(rows == expected.rows.map { $0.map(\.plainText) }, "\(kind)")
        }
        // Text and messages come back whole, newlines, quotes and commas included.
        let message = try CSVReader(string: CSVRenderer().render(.message(Self.awkward)), hasHeaderRow: true)
        #expect(message.next() == [Self.awkward])
    }

    @Test func csvResultsAreSeparatedByAnEmptyLineAndEachHasAHeader() throws {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, format: .csv, catalog: Fixtures.catalog)
        #expect(interpreter.run(source: "probe sys_openat\nshow graph\nsuggest file\nhelp quit", origin: nil) == .success)
        let stream = output.lines.joined(separator: "\n")
        let csv = try CSVReader(string: stream, hasHeaderRow: false)
        var results: [[[String]]] = [[]]
        while let row = csv.next() {
            if row == [""] { results.append([]) } else { results[results.count - 1].append(row) }
        }
        #expect(results.map { $0.first ?? [] } == [["message"], ["kind", "name", "value"], ProbeSuggester.table(for: "file").columns, ["text"]])
        #expect(results.last?.last?.first?.hasPrefix("usage: quit") == true)
    }

    /// A table does not repeat in ARGS what MESSAGE shows (the format's values); the column
    /// goes when nothing is left in it. CSV keeps every value.
    @Test func theEventsTableDoesNotRepeatTheMessageInArgs() {
        let table = RunReport.eventsTable([Self.event], program: Self.program, format: .table)
        #expect(table.columns == ["time", "pid", "tid", "comm", "probe", "function", "message"])
        let csv = RunReport.eventsTable([Self.event], program: Self.program, format: .csv)
        #expect(csv.columns.last == "args" && csv.rows.first?.last == .string("arg2=" + Self.awkward))

        var extra = Self.event
        extra.rawArgs.append(NamedValue(name: "latency", value: .integer(2854)))
        let withExtra = RunReport.eventsTable([Self.event, extra], program: Self.program, format: .table)
        #expect(withExtra.columns.last == "args")
        #expect(withExtra.rows.map { $0.last } == [.string(""), .string("latency=2854")])
    }
}
