import Testing
@testable import TraceshKit

/// The semantic pass: one resolution of names for the kernel and for user space, bpftrace's
/// spellings as aliases, strings read from pointers, and one checker for filters and `events where`.
@Suite struct SemanticPassTests {
    func session(_ script: String) -> (Interpreter, CollectingOutput, Interpreter.Outcome) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        let outcome = interpreter.run(source: script, origin: nil)
        return (interpreter, output, outcome)
    }

    func program(_ script: String) throws -> CompiledProgram {
        let (interpreter, output, outcome) = session(script)
        guard outcome == .success else { throw Diagnostic(output.diagnostics.joined(separator: "\n"), at: nil) }
        return try ProgramCompiler.compile(interpreter.graph, catalog: Fixtures.catalog, options: CompileOptions(framing: Fixtures.framing))
    }

    @Test func documentedUserSpaceNamesWorkInFilters() throws {
        let program = try program("probe a = sys_openat\nfilter probe == \"a\" && function == \"sys_openat\"")
        #expect(program.userFilters.map(\.condition.description) == [#"probe == "a" && function == "sys_openat""#])
    }

    @Test func gidIsInEveryEventAndFilterable() throws {
        let program = try program("probe o = sys_openat\nfilter gid == 0")
        #expect(program.source.contains("/(gid == 0)/"))
        #expect(program.source.contains("pid, tid, uid, gid, cpu, comm"))
        let probe = CompiledProbe(name: "o", function: "sys_openat", resolved: "", format: nil, fields: [])
        let condition = try EventEvaluator.resolve(ExpressionParser.parse(LocatedText("gid == 5")), probes: [probe])
        let evaluator = EventEvaluator(probes: [probe])
        #expect(evaluator.matches(event(gid: 5), condition[0]))
        #expect(!evaluator.matches(event(gid: 0), condition[0]))
    }

    @Test func castsTruncateInUserSpaceAsInTheKernel() throws {
        let probe = CompiledProbe(name: "o", function: "f", resolved: "", format: nil, fields: [CompiledField(name: "arg1", kind: .integer)])
        let evaluator = EventEvaluator(probes: [probe])
        let condition = try EventEvaluator.resolve(ExpressionParser.parse(LocatedText("(int)arg1 == -1 && (u8)arg1 == 255")), probes: [probe])[0]
        #expect(evaluator.matches(event(arg1: 0x1_ffff_ffff), condition))
        #expect(!evaluator.matches(event(arg1: 0xffff), condition))
    }

    @Test(arguments: [
        ("events where arg3 > 0", "'arg3' was not captured by probe 'o'"),
        ("events where comm == 5", "cannot compare the string 'comm' with the number '5'"),
        ("events where nosuch == 1", "unknown name 'nosuch'"),
    ])
    func eventsWhereUsesTheSameChecker(command: String, message: String) throws {
        let probe = CompiledProbe(name: "o", function: "sys_openat", resolved: "", format: nil, fields: [CompiledField(name: "arg2", kind: .string)])
        guard case .events(_, let condition?, _) = try CommandParser.parse(LocatedText(command)).kind else {
            Issue.record("not an events command")
            return
        }
        #expect(throws: Diagnostic.self) { try EventEvaluator.resolve(condition, probes: [probe]) }
        do { _ = try EventEvaluator.resolve(condition, probes: [probe]) } catch let diagnostic as Diagnostic {
            #expect(diagnostic.message.contains(message), "\(diagnostic.message)")
            #expect(diagnostic.location != nil)
        }
    }

    @Test func bpftraceSpellingsAreAliasesShownInTraceForm() throws {
        let (interpreter, output, outcome) = session("""
            probe a = tracepoint:syscalls:sys_enter_openat "%s", args.filename
            probe b = uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        #expect(interpreter.graph.probes.map(\.spec) == [#"t:syscalls:sys_enter_openat "%s", args->filename"#, "p:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc"])
    }

    @Test func lhistTakesBpftracesArgumentOrderToo() throws {
        let (a, _, _) = session("probe r = r::sys_read\nagg lhist(retval, 0, 1000000, 100000)")
        let (b, _, _) = session("probe r = r::sys_read\nagg lhist(0, 1000000, 100000) retval")
        #expect(a.graph.aggregations.count == 1)
        #expect(a.graph.aggregations == b.graph.aggregations)
    }

    @Test func percentSReadsStringsFromPointers() throws {
        let syscall = try program(#"probe o = sys_openat "%s %s", arg2, arg2@user"#)
        #expect(syscall.source.contains("comm, str(args->filename), str(args->filename));"))
        let tracepoint = try program(#"probe t = t:syscalls:sys_enter_openat "%s", args->filename"#)
        #expect(tracepoint.source.contains("comm, str(args->filename));"))
        #expect(tracepoint.probes[0].fields == [CompiledField(name: "filename", kind: .string)])
    }

    @Test func theNamesTableDescribesEveryFixedName() {
        let lines = NameTable.helpLines.joined(separator: "\n")
        for name in ["pid", "gid", "message", "probe", "function", "$tgid", "arg1..arg6", "args->FIELD", "retval"] {
            #expect(lines.contains(name))
        }
    }

    func event(gid: Int64 = 0, arg1: Int64 = 0) -> TraceEvent {
        TraceEvent(timestamp: 0, monotonic: 0, probeIndex: 0, pid: 1, tid: 1, uid: 0, gid: gid, cpu: 0, comm: Array("x".utf8),
                   message: [], rawArgs: [NamedValue(name: "arg1", value: .integer(arg1))])
    }
}
