import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshKernel
@testable import TraceshLanguage
@testable import TraceshPlan
@testable import TraceshAnalysis

/// `set stream auto` (the default): a probe with aggregations and no format string is counted in
/// the kernel only, by probe and process; the others stream. `on` and `off` keep their meanings.
@Suite struct StreamModeTests {
    static let script = """
        probe rd = sys_read
        probe op = sys_openat "open %s", arg2@user
        probe wr = sys_write
        agg rd: count
        agg op: count by comm
        """

    func program(_ script: String) throws -> CompiledProgram {
        try GoldenPrograms.program(.init(name: "stream", script: script), catalog: Fixtures.catalog)
    }

    @Test func autoCountsAProbeWithAggregationsAndNoFormatInTheKernelOnly() throws {
        let program = try program(Self.script)
        #expect(program.probes.map(\.streams) == [false, true, true])
        #expect(program.countedProbes.map(\.name) == ["rd"])
        let readBlock = try #require(program.source.components(separatedBy: "tracepoint:syscalls:sys_enter_read\n").last?
            .components(separatedBy: "\n}").first)
        #expect(readBlock.contains("@tracesh_events[0, pid, comm] = count();"), "\(readBlock)")
        #expect(!readBlock.contains("printf"), "\(readBlock)")
        // Streamed probes print their events and are not counted in the map.
        #expect(!program.source.contains("@tracesh_events[1,") && !program.source.contains("@tracesh_events[2,"))
        #expect(program.source.contains("print(@tracesh_events);"))
    }

    @Test func onStreamsEveryProbeAndOffNone() throws {
        let on = try program("set stream on\n" + Self.script)
        #expect(on.probes.map(\.streams) == [true, true, true])
        #expect(!on.source.contains("tracesh_events"))
        let off = try program("set stream off\n" + Self.script)
        #expect(off.probes.allSatisfy { !$0.streams })
        #expect(off.source.contains("@tracesh_events[2, pid, comm] = count();"))
    }

    @Test func autoIsTheDefaultAndOtherValuesAreRefused() throws {
        #expect(Settings.streamSetting.declaration.defaultValue == "auto")
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        #expect(interpreter.run(source: "set stream sometimes", origin: nil) == .failure)
        #expect(output.diagnostics.first?.contains("auto") == true, "\(output.diagnostics)")
    }

    /// The in-kernel counts become exact statistics: totals, per probe and per process (a comm
    /// holding ", " included).
    @Test func inKernelCountsBecomeStatistics() throws {
        let program = try program(Self.script)
        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 10)
        let text = "@tracesh_events[0, 42, reader]: 1000000\n@tracesh_events[0, 7, a, b]: 3\n\n"
        pipeline.consume(.map(name: CompiledProgram.eventCountMap.name, text: Array(text.utf8)))
        #expect(pipeline.statistics.totalEvents == 1_000_003)
        #expect(pipeline.statistics.eventsPerProbe == [1_000_003, 0, 0])
        #expect(pipeline.statistics.eventsPerProcess[.init(comm: Array("reader".utf8), pid: 42)] == 1_000_000)
        #expect(pipeline.statistics.eventsPerProcess[.init(comm: Array("a, b".utf8), pid: 7)] == 3)
        // `agg rd: count` has no map of its own: it is the sum of rd's event counts.
        #expect(pipeline.aggregations.map(\.map) == ["@agg1"])
        #expect(pipeline.aggregations.first?.rows == [.init(keys: [], value: .scalar(1_000_003))])
        #expect(pipeline.malformedRecords == 0)
    }
}
