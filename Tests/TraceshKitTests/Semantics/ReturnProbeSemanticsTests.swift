import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshAnalysis

/// Return probes that know their call: what the semantic pass resolves (entry arguments saved at
/// entry, latency, errno) and what the program gains for it (the entry probe and its maps).
@Suite struct ReturnProbeSemanticsTests {
    func session(_ script: String) -> (Interpreter, CollectingOutput, Interpreter.Outcome) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        let outcome = interpreter.run(source: script, origin: nil)
        return (interpreter, output, outcome)
    }

    func program(_ script: String) throws -> CompiledProgram {
        let (interpreter, output, outcome) = session(script)
        guard outcome == .success else { throw Diagnostic(output.diagnostics.joined(separator: "\n"), at: nil) }
        return try ProgramCompiler.compile(interpreter.graph, catalog: Fixtures.catalog,
                                           options: CompileOptions(framing: Fixtures.framing, stream: Settings.streamMode(interpreter.graph)))
    }

    @Test func showBpftraceShowsTheEntryProbeAndItsMaps() throws {
        let (_, output, outcome) = session("""
            probe o = r::sys_openat (retval < 0) "%s %d", arg2@user, retval
            show bpftrace
            """)
        #expect(outcome == .success, "\(output.diagnostics)")
        let source = output.text
        // (`show bpftrace` leaves tracesh and bpftrace out with a predicate of their pid and comm.)
        for line in ["tracepoint:syscalls:sys_enter_openat\n/((pid != ", "\n{\n  @tracesh_entry_o_start[tid] = nsecs;\n  @tracesh_entry_o_1[tid] = args->filename;\n}",
                     "tracepoint:syscalls:sys_exit_openat\n/((pid != ",
                     "(comm != \"bpftrace\")) && @tracesh_entry_o_start[tid]/\n{\n  $latency = (nsecs - @tracesh_entry_o_start[tid]);\n  if ((args->ret < 0)) {",
                     // The string is read at return, from the pointer saved at entry.
                     "comm, str(@tracesh_entry_o_1[tid]), args->ret, $latency);\n  }\n  delete(@tracesh_entry_o_start[tid]);\n  delete(@tracesh_entry_o_1[tid]);\n}",
                     "tracepoint:sched:sched_process_exit\n{\n  delete(@tracesh_entry_o_start[tid]);\n  delete(@tracesh_entry_o_1[tid]);\n}",
                     "clear(@tracesh_entry_o_start);\n  clear(@tracesh_entry_o_1);"] {
            #expect(source.contains(line), "\(line)\n--- in ---\n\(source)")
        }
    }

    @Test func aReturnProbeReadsItsEntrysFieldsByName() throws {
        let program = try program(#"probe o = r::sys_openat "%s flags %x", args->filename, args->flags"#)
        #expect(program.source.contains("@tracesh_entry_o_1[tid] = args->filename;\n  @tracesh_entry_o_2[tid] = args->flags;"), "\(program.source)")
        #expect(program.source.contains("str(@tracesh_entry_o_1[tid]), @tracesh_entry_o_2[tid], args->ret, $latency"), "\(program.source)")
        #expect(program.probes[0].fields.map(\.name) == ["filename", "flags", "retval", "latency"])
    }

    @Test func theOpenFamilyHasOneEntryProbePerSyscallSharingTheMaps() throws {
        let program = try program(#"probe op = r::sys_open "%s", arg1@user"#)
        for name in ["open", "openat", "openat2"] {
            #expect(program.source.contains("tracepoint:syscalls:sys_enter_\(name)\n{\n  @tracesh_entry_op_start[tid] = nsecs;\n  @tracesh_entry_op_1[tid] = args->filename;"), "\(name)")
        }
        #expect(program.source.components(separatedBy: "tracepoint:sched:sched_process_exit").count == 2)
    }

    @Test func aReturnProbeThatReadsNothingFromItsEntryGetsNoEntryProbe() throws {
        // Counted in the kernel, no latency or entry value used: nothing to save.
        let program = try program("probe r = r::sys_read\nagg r: count by comm")
        #expect(!program.source.contains("sys_enter_read"), "\(program.source)")
        #expect(!program.source.contains("tracesh_entry"))
    }

    @Test func latencyOnlyCarriedInEventsDoesNotDropCallsBegunBeforeTheRun() throws {
        let carried = try program("probe r = r::sys_read \"%d\", retval")
        #expect(carried.source.contains("$latency = ((nsecs - @tracesh_entry_r_start[tid]) * (@tracesh_entry_r_start[tid] != 0));"), "\(carried.source)")
        #expect(!carried.source.contains("/@tracesh_entry_r_start[tid]/"))
        // Filtering on it needs the entry.
        let filtered = try program("probe r = r::sys_read \"%d\", retval\nfilter r: latency > 1000")
        #expect(filtered.source.contains("/@tracesh_entry_r_start[tid]/\n{\n  $latency = (nsecs - @tracesh_entry_r_start[tid]);\n  if (($latency > 1000)) {"), "\(filtered.source)")
    }

    @Test func errnoIsAKeyPrintedByNameAndComparedByName() throws {
        let program = try program("probe r = r::sys_openat\nfilter r: errno != \"EAGAIN\"\nagg r: count by errno, comm")
        #expect(program.maps[0].keyNames == [.errnoCode, .plain])
        #expect(program.valueNames.errnos[2] == "ENOENT")
        #expect(program.source.contains("(((0 - args->ret) * (args->ret < 0)) != 11)"), "\(program.source)")
        #expect(program.source.contains("@agg1[((0 - args->ret) * (args->ret < 0)), comm] = count();"))
        let names = ValueNames(errnos: [2: "ENOENT"])
        #expect(names.name(of: 2, as: .errnoCode) == "ENOENT")
        #expect(names.name(of: 0, as: .errnoCode) == "-")
    }

    @Test func errnoOnEventsComesFromTheirReturnValue() throws {
        let probe = CompiledProbe(name: "r", function: "sys_openat", resolved: "syscalls:sys_exit_openat", format: nil,
                                  fields: [CompiledField(name: "retval", kind: .integer), CompiledField(name: "latency", kind: .integer)])
        let evaluator = EventEvaluator(probes: [probe])
        let condition = try EventEvaluator.resolve(ExpressionParser.parse(LocatedText(#"errno == "ENOENT" && latency > 5"#)), probes: [probe])[0]
        func event(retval: Int64, latency: Int64) -> TraceEvent {
            TraceEvent(timestamp: 0, monotonic: 0, probeIndex: 0, pid: 1, tid: 1, uid: 0, cpu: 0, comm: Array("x".utf8), message: [],
                       rawArgs: [NamedValue(name: "retval", value: .integer(retval)), NamedValue(name: "latency", value: .integer(latency))])
        }
        #expect(evaluator.matches(event(retval: -2, latency: 10), condition))
        #expect(!evaluator.matches(event(retval: -13, latency: 10), condition))
        #expect(!evaluator.matches(event(retval: 3, latency: 10), condition))
        #expect(!evaluator.matches(event(retval: -2, latency: 1), condition))
    }

    @Test func errnoAfterARunExistsOnSyscallReturnProbesOnly() throws {
        let probe = CompiledProbe(name: "m", function: "malloc", resolved: "uretprobe:\"/usr/lib/x86_64-linux-gnu/libc.so.6\":malloc", format: nil,
                                  fields: [CompiledField(name: "retval", kind: .integer), CompiledField(name: "latency", kind: .integer)])
        do {
            _ = try EventEvaluator.resolve(ExpressionParser.parse(LocatedText("latency > 0 && errno == 0")), probes: [probe])
            Issue.record("errno resolved on a uretprobe")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.message.contains("'errno' is a syscall's error on return; probe 'm' (malloc) is not a syscall return probe"), "\(diagnostic.message)")
            #expect(diagnostic.location?.column == 16, "\(String(describing: diagnostic.location))")
        }
    }

    @Test func latencyOnAnEntryProbeNamesWhereAndWhatToUse() {
        let (_, output, outcome) = session("probe o = sys_openat \"%d\", latency")
        #expect(outcome == .failure)
        #expect(output.diagnostics.first?.contains("'latency' is the time from a call's entry to its return, so only return probes have it; probe 'o' (tracepoint:syscalls:sys_enter_openat) is not one (use r::sys_openat)") == true,
                "\(output.diagnostics)")
        #expect(output.diagnostics.first?.hasPrefix("1:") == true, "\(output.diagnostics)")
    }
}
