import Testing
@testable import TraceshKit

/// Tab completion reads the command and setting declarations and the session.
@Suite struct CompleterTests {
    func candidates(_ text: String, _ graph: SessionGraph = SessionGraph()) -> [String] {
        Completer.complete(text, graph: graph, catalog: Fixtures.catalog).candidates
    }

    @Test func commandNamesComeFromTheRegistry() {
        #expect(candidates("") == CommandRegistry.names.sorted())
        #expect(candidates("de") == ["default"])
        #expect(candidates("probe a = sys_read; ag") == ["agg"])
        #expect(candidates("help ma") == ["max-duration", "max-events", "max-series"])
    }

    @Test func settingNamesAndValuesComeFromTheirDeclarations() {
        var graph = SessionGraph()
        graph.setVariable("target", "1")
        #expect(candidates("set ", graph) == (Settings.names + ["target"]).sorted())
        #expect(candidates("default m") == ["max-duration", "max-events", "max-series"])
        #expect(candidates("set format ") == Settings.formatSetting.declaration.choices.sorted())
        #expect(candidates("set stream o") == ["off", "on"])
        #expect(candidates("unset t", graph) == ["target", "trace-self"])
    }

    @Test func probesScopesAndFunctions() {
        var graph = SessionGraph()
        graph.probes = [ProbeDeclaration(name: "open", spec: "sys_openat")]
        #expect(candidates("drop ", graph) == ["open"])
        #expect(candidates("filter o", graph) == ["open:"])
        #expect(candidates("agg c", graph) == ["count"])
        #expect(candidates("agg open: h", graph) == ["hist"])
        #expect(candidates("show b") == ["bpftrace"])
        #expect(candidates("events 5 w") == ["where"])
    }

    @Test func probeSpecsCompleteFromTheKernelCatalog() {
        #expect(candidates("probe t:sched:sched_process_e").contains("t:sched:sched_process_exec"))
        #expect(candidates("probe o = sys_opena") == ["sys_openat", "sys_openat2"])
        #expect(candidates("probe r::sys_rea") == ["r::sys_read"])
        #expect(candidates("probe ").contains("t:") && candidates("probe ").contains("use"))
    }

    @Test func expressionNamesCompleteInFiltersAndEventsWhere() {
        #expect(candidates("filter co").contains("comm"))
        #expect(candidates("filter o: pid == 1 && ti").contains("tid"))
        #expect(candidates("events 5 where ui").contains("uid"))
        #expect(candidates("filter o: la").contains("latency"))
        #expect(candidates("events where er") == ["errno"])
        #expect(candidates("agg o: count by us") == ["ustack"])
        #expect(!candidates("filter us").contains("ustack"))
        #expect(candidates("events 5 fr") == ["from"])
    }

    /// `args->` completes the fields of the tracepoint the probe on the line, the scoped probe
    /// or the only probe attaches to; `u:LIB:` the library's functions.
    @Test func tracepointFieldsAndLibraryFunctions() {
        #expect(candidates("probe o = sys_openat (args->fi") == ["(args->filename"])
        #expect(candidates("probe o = r::sys_openat (args->r") == ["(args->ret"])
        var graph = SessionGraph()
        graph.probes = [ProbeDeclaration(name: "open", spec: "sys_openat"), ProbeDeclaration(name: "rd", spec: "sys_read")]
        #expect(candidates("filter open: args->fl", graph) == ["args->flags"])
        #expect(candidates("filter rd: args->c", graph) == ["args->count"])
        #expect(candidates("filter args->c", graph) == [])
        let malloc = candidates("probe m = u:c:mallo")
        #expect(malloc.contains("u:c:malloc"), "\(malloc)")
        #expect(malloc.allSatisfy { $0.hasPrefix("u:c:mallo") })
        #expect(candidates("probe m = u:no-such-library-here:f") == [])
    }
}
