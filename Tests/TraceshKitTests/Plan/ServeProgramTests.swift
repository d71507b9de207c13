import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshKernel
@testable import TraceshPlan

/// `tracesh serve`'s program (`CompileOptions.countsByProcess` false): the in-kernel event counts
/// are keyed by probe and comm, not pid, so a run that lasts for days does not fill the map as
/// processes come and go; a count by comm is still summed from them, a count by pid has its map.
@Suite struct ServeProgramTests {
    func program(_ script: String, countsByProcess: Bool) throws -> CompiledProgram {
        let graph = try GoldenPrograms.graph(.init(name: "serve", script: script), catalog: Fixtures.catalog)
        return try ProgramCompiler.compile(graph, catalog: Fixtures.catalog,
                                           options: CompileOptions(framing: Fixtures.framing, interval: .seconds(1), keepIntervals: true,
                                                                   countsByProcess: countsByProcess))
    }

    @Test func eventCountsAreKeyedByProbeAndCommOnly() throws {
        let script = "probe o = sys_openat\nagg o: count by comm\nagg o: count by pid"
        let serving = try program(script, countsByProcess: false)
        #expect(serving.source.contains("@tracesh_events[0, 0, comm] = count();"), "\(serving.source)")
        #expect(!serving.source.contains("@tracesh_events[0, pid, comm]"))
        // count by comm: from the event counts; count by pid: a map of its own.
        #expect(serving.maps.map { $0.fromEventCounts != nil } == [true, false])
        #expect(serving.source.contains("@agg2[pid] = count();"), "\(serving.source)")
        let shell = try program(script, countsByProcess: true)
        #expect(shell.source.contains("@tracesh_events[0, pid, comm] = count();"))
        #expect(shell.maps.map { $0.fromEventCounts != nil } == [true, true])
    }
}
