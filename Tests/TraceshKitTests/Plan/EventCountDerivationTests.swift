import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshPlan

/// Which counts are summed from the in-kernel event counts instead of a map of their own: only
/// a `count` keyed by nothing, pid or comm over probes that do not stream.
@Suite struct EventCountDerivationTests {
    func maps(_ script: String) throws -> [EventCountDerivation?] {
        try GoldenPrograms.program(.init(name: "derived", script: script), catalog: Fixtures.catalog).maps.map(\.fromEventCounts)
    }

    @Test func countsByNothingPidOrCommAreSummedFromTheEventCounts() throws {
        let derived = try maps("""
            probe rd = sys_read
            agg rd: count
            agg rd: count by comm
            agg rd: count by $tgid, comm
            agg rd: count by tid
            agg rd: sum arg3
            """)
        #expect(derived == [EventCountDerivation(probeIndices: [0], keys: []), EventCountDerivation(probeIndices: [0], keys: [.comm]),
                            EventCountDerivation(probeIndices: [0], keys: [.pid, .comm]), nil, nil])
    }

    @Test func aCountOverAStreamedProbeKeepsItsMap() throws {
        #expect(try maps("probe rd = sys_read \"%d\", arg3\nagg rd: count") == [nil])
        #expect(try maps("set stream on\nprobe rd = sys_read\nagg rd: count") == [nil])
        // One count over every probe: derived only when none of them streams.
        #expect(try maps("probe rd = sys_read\nprobe wr = sys_write \"%d\", arg3\nagg count") == [nil])
        #expect(try maps("set stream off\nprobe rd = sys_read\nprobe wr = sys_write\nagg count by comm")
                == [EventCountDerivation(probeIndices: [0, 1], keys: [.comm])])
    }

    @Test func theProgramUpdatesOneMapPerEvent() throws {
        let program = try GoldenPrograms.program(.init(name: "derived", script: "probe rd = sys_read\nagg rd: count"), catalog: Fixtures.catalog)
        #expect(program.source.contains("@tracesh_events[0, pid, comm] = count();"))
        #expect(!program.source.contains("@agg1 =") && !program.source.contains("print(@agg1)"), "\(program.source)")
    }

    /// In a `run -- COMMAND`, the command's own events are counted in a map without keys (what
    /// bpftrace's `count()` costs) and join the per-process counts, named by its exec.
    @Test func theHeldCommandsEventsAreCountedWithoutKeysAndJoinTheEventCounts() throws {
        let graph = try GoldenPrograms.graph(.init(name: "held", script: "probe rd = sys_read\nagg rd: count by comm"), catalog: Fixtures.catalog)
        let program = try ProgramCompiler.compile(graph, catalog: Fixtures.catalog,
                                                  options: CompileOptions(framing: Fixtures.framing, traceDescendantsOf: [4242],
                                                                          heldCommand: HeldCommand(pid: 4242, executable: "/bin/reader")))
        #expect(program.source.contains("""
              if ((pid == 4242)) {
                @tracesh_command_events_0 = count();
              } else {
                @tracesh_events[0, pid, comm] = count();
              }
            """), "\(program.source)")
        // Its name is the one exec gives it, printed with its counts: no probe is needed to learn it.
        #expect(program.source.contains("@tracesh_command_comm[4242] = \"reader\";"), "\(program.source)")
        #expect(!program.source.contains("sched_process_exec"))
        #expect(program.source.contains("/((pid == 4242) || @tracesh_pids[pid])/"))

        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 10)
        pipeline.consume(.map(name: "@tracesh_command_comm", text: Array("@tracesh_command_comm[4242]: reader\n\n".utf8)))
        pipeline.consume(.map(name: "@tracesh_command_events_0", text: Array("@tracesh_command_events_0: 1000000\n\n".utf8)))
        pipeline.consume(.map(name: "@tracesh_events", text: Array("@tracesh_events[0, 4243, reader]: 5\n@tracesh_events[0, 4244, sh]: 2\n\n".utf8)))
        #expect(pipeline.statistics.totalEvents == 1_000_007)
        #expect(pipeline.statistics.eventsPerProcess[.init(comm: Array("reader".utf8), pid: 4242)] == 1_000_000)
        #expect(pipeline.aggregations.first?.rows == [.init(keys: [.bytes(Array("sh".utf8))], value: .scalar(2)),
                                                      .init(keys: [.bytes(Array("reader".utf8))], value: .scalar(1_000_005))])
        #expect(pipeline.malformedRecords == 0)
    }

    @Test func theHeldCommandsNameIsWhatExecGivesIt() {
        #expect(HeldCommand(pid: 1, executable: "/usr/bin/python3").comm == "python3")
        #expect(HeldCommand(pid: 1, executable: "/tmp/a-very-long-program-name").comm == "a-very-long-pro")
        #expect(HeldCommand(pid: 1, executable: "true").comm == "true")
    }
}
