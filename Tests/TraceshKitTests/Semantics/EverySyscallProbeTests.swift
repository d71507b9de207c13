import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshPlan

/// Syscall wildcards compile to one raw_syscalls probe (attaching every syscall tracepoint takes
/// bpftrace 0.17 about 26 s; one raw probe under 1 s), with `function` as each event's syscall.
@Suite struct EverySyscallProbeTests {
    func compile(_ script: String) throws -> (CompiledProgram, CollectingOutput) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        guard interpreter.run(source: script, origin: nil) == .success else { throw Diagnostic(output.diagnostics.joined(separator: "\n"), at: nil) }
        let program = try ProgramCompiler.compile(interpreter.graph, catalog: Fixtures.catalog, options: CompileOptions(framing: Fixtures.framing))
        return (program, output)
    }

    func attachPoints(_ source: String) -> [String] {
        source.split(separator: "\n").filter { $0.hasPrefix("tracepoint:") }.map(String.init)
    }

    @Test(arguments: ["t:syscalls:sys_enter_*", "sys_*", "tracepoint:syscalls:sys_enter_*", "p::sys_*"])
    func everySyscallEntryIsOneRawProbe(spec: String) throws {
        let (program, _) = try compile("probe s = \(spec)\nagg s: count by function")
        #expect(attachPoints(program.source) == ["tracepoint:raw_syscalls:sys_enter"])
        // Every syscall: no number predicate; the key is the number, printed as the name.
        #expect(!program.source.contains("args->id =="))
        #expect(program.source.contains("@agg1[args->id] = count();"))
        #expect(program.maps[0].keyKinds == [.integer])
        #expect(program.maps[0].keyNames == [.syscall])
        #expect(program.valueNames.syscalls[257] == "openat")
        #expect(program.probes[0].functionKey == "syscall")
    }

    @Test func aPatternKeepsOnlyItsSyscallsNumbers() throws {
        // The fixture has read, write, open, openat, openat2, connect: *read* is read (0) alone.
        let (read, _) = try compile("probe s = sys_*read*")
        #expect(attachPoints(read.source) == ["tracepoint:raw_syscalls:sys_enter"])
        #expect(read.source.contains("tracepoint:raw_syscalls:sys_enter\n/(args->id == 0)/"), "\(read.source)")
        let (open, _) = try compile("probe s = r::sys_*open*")
        // Its events carry latency: raw_syscalls:sys_enter saves each call's start, by thread.
        #expect(attachPoints(open.source) == ["tracepoint:raw_syscalls:sys_enter", "tracepoint:raw_syscalls:sys_exit", "tracepoint:sched:sched_process_exit"])
        #expect(open.source.contains("/(((args->id == 2) || (args->id == 257)) || (args->id == 437))/"), "\(open.source)")
    }

    @Test func consecutiveNumbersBecomeARange() {
        let predicate = ProgramCompiler.syscallPredicate([0, 1, 2, 3, 7, 9, 10])
        // 0-3 as a range; 9 and 10 are too short a run to be worth one.
        #expect(BpftracePrinter.print(predicate) == "(((((args->id >= 0) && (args->id <= 3)) || (args->id == 7)) || (args->id == 9)) || (args->id == 10))")
    }

    @Test func argumentsAndReturnValuesReadTheRawFields() throws {
        let (entry, _) = try compile(#"probe s = sys_* (arg1 == 3) "a %d b %d", arg2, arg6"#)
        #expect(entry.source.contains("/(args->args[0] == 3)"), "\(entry.source)")
        #expect(entry.source.contains("args->args[1], args->args[5], args->id);"), "\(entry.source)")
        let (exit, _) = try compile("probe r = r::sys_* (retval < 0)\nagg r: count by retval")
        #expect(exit.source.contains("/(args->ret < 0)"), "\(exit.source)")
        #expect(exit.maps[0].keyNames == [.errno])
        #expect(exit.valueNames.errnos[2] == "ENOENT")
    }

    @Test func comparingFunctionWithANameComparesNumbersInTheKernel() throws {
        let (program, _) = try compile(#"probe s = sys_*"# + "\n" + #"filter s: function == "openat" || "read" != function"#)
        #expect(program.source.contains("/((args->id == 257) || (0 != args->id))/"), "\(program.source)")
        #expect(program.userFilters.isEmpty)
    }

    @Test func otherCategoriesAttachEachMatchAndSaySo() throws {
        let (program, output) = try compile("probe s = t:sched:sched_process_*")
        #expect(attachPoints(program.source) == ["tracepoint:sched:sched_process_exec", "tracepoint:sched:sched_process_fork"])
        #expect(output.lines.contains { $0.contains("t:sched:sched_process_* matches 2 tracepoints") }, "\(output.lines)")
    }

    @Test func theSyscallNameIsTheKeyAndTheEventsFunction() throws {
        let (program, _) = try compile("probe s = sys_*\nagg s: count by function, comm")
        let text = Array("@agg1[257, cat]: 4\n@agg1[99999, cat]: 1\n".utf8)
        let result = MapParser.parse(text, map: program.maps[0], names: program.valueNames)
        #expect(result.rows.map(\.keys) == [[.bytes(Array("openat".utf8)), .bytes(Array("cat".utf8))],
                                            [.bytes(Array("syscall_99999".utf8)), .bytes(Array("cat".utf8))]])
        let event = TraceEvent(timestamp: 0, monotonic: 0, probeIndex: 0, pid: 1, tid: 1, uid: 0, cpu: 0, comm: Array("cat".utf8),
                               message: [], rawArgs: [NamedValue(name: "syscall", value: .integer(0))])
        #expect(program.function(of: event) == "read")
        let condition = try EventEvaluator.resolve(ExpressionParser.parse(LocatedText(#"function == "read""#)), probes: program.probes)[0]
        #expect(EventEvaluator(probes: program.probes, names: program.valueNames).matches(event, condition))
        #expect(RunReport.eventObject(event, program: program)["function"] == .string("read"))
    }

    @Test func recordingsKeepTheNames() throws {
        let (program, _) = try compile("probe r = r::sys_*\nagg r: count by function, retval")
        let header = Recording.header(program: program, clockOffset: 0)
        let replayed = try #require(try Recording.header(in: header, path: "x"))
        #expect(replayed.program.maps[0].keyNames == [.syscall, .errno])
        #expect(replayed.program.valueNames == program.valueNames)
        #expect(replayed.program.probes[0].functionKey == "syscall")
    }
}
