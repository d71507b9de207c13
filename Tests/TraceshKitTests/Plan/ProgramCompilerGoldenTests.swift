import Foundation
import Testing
@testable import TraceshKit

/// Code generation is a pure function of the graph: each case's program must equal its golden
/// file (Fixtures/golden/NAME.bt). Run with TRACESH_UPDATE_GOLDEN=1 to rewrite them after a
/// deliberate change, then review the diff.
@Suite struct ProgramCompilerGoldenTests {
    @Test(arguments: GoldenPrograms.cases)
    func programMatchesGolden(_ golden: GoldenPrograms.Case) throws {
        let program = try GoldenPrograms.program(golden, catalog: Fixtures.catalog)
        let file = Fixtures.golden.appendingPathComponent(golden.name + ".bt")
        if ProcessInfo.processInfo.environment["TRACESH_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Fixtures.golden, withIntermediateDirectories: true)
            try program.source.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(program.source == expected)
    }

    @Test func sysReadArg3IsTheCountField() throws {
        let program = try GoldenPrograms.program(GoldenPrograms.cases[0], catalog: Fixtures.catalog)
        #expect(program.source.contains("tracepoint:syscalls:sys_enter_read\n/(args->count > 1024)/"))
        #expect(program.probes[0].fields == [CompiledField(name: "arg3", kind: .integer)])
        #expect(program.probes[0].resolved == "syscalls:sys_enter_read")
        #expect(!program.source.contains("arg2") && !program.source.contains("arg3,"))
    }

    @Test func filtersArePlacedInTheKernelOrInUserSpace() throws {
        let golden = GoldenPrograms.cases.first { $0.name == "session_filters" }!
        let program = try GoldenPrograms.program(golden, catalog: Fixtures.catalog)
        #expect(program.userFilters.map(\.condition.description) == [#"message =~ "etc""#])
        #expect(program.userFilters.first?.probeIndex == 0)
        let predicate = ##"/(((comm == "cat") && (pid != 1)) && (str(args->filename) == "/etc/hostname")) && (uid == 0)/"##
        #expect(program.source.contains(predicate), "\(program.source)")
        // The probe without the scoped filters gets only the global one.
        #expect(program.source.contains("tracepoint:syscalls:sys_enter_write\n/(uid == 0)/"))
    }

    @Test func aggregationsBecomeMapsWithKeyKinds() throws {
        let golden = GoldenPrograms.cases.first { $0.name == "aggregations" }!
        let program = try GoldenPrograms.program(golden, catalog: Fixtures.catalog)
        #expect(program.maps.map(\.name) == (1...7).map { "@agg\($0)" })
        #expect(program.maps[1].keyKinds == [.string, .integer])
        for call in ["count()", "sum(args->count)", "avg(args->count)", "min(args->count)", "max(args->count)", "hist(args->count)", "lhist(args->count, 0, 4096, 512)"] {
            #expect(program.source.contains(call))
        }
    }

    @Test func aggregationOverAUserSpaceFilterIsRefused() {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        #expect(interpreter.run(source: "probe r = sys_read\nfilter r: message =~ \"x\"\nagg r: count", origin: nil) == .failure)
        #expect(output.diagnostics.first?.contains("runs in user space") == true)
    }
}
