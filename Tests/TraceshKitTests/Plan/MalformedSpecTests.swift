import Testing
@testable import TraceshKit

/// Malformed specs, filters and aggregations: each is a located error, never a crash and never
/// a bpftrace message as the only explanation. Checked against the fixture tracefs (copied from
/// this kernel: no kprobes, uprobes present).
@Suite struct MalformedSpecTests {
    @Test(arguments: [
        (#"probe sys_read (arg3 > 1024"#, "1:28: error: expected ')' to close the predicate opened at 1:16"),
        (#"probe sys_read "x %d""#, "1:16: error: the format string has 1 conversion but 0 arguments follow"),
        (#"probe sys_read "x %q", arg1"#, "1:19: error: unsupported conversion '%q'"),
        (#"probe sys_read "x", arg1"#, "1:21: error: the format string has 0 conversions but 1 argument follows"),
        ("probe do_sys_open", "1:7: error: kernel function 'do_sys_open' needs kprobes, which this kernel lacks; try 'sys_openat' (tracepoint syscalls:sys_enter_openat)"),
        ("probe sys_nosuch", "1:7: error: no syscall 'nosuch' on this kernel"),
        ("probe t:sched:sched_swtch", "1:7: error: no tracepoint 'sched:sched_swtch' on this kernel; did you mean 'sched:sched_switch'?"),
        ("probe x:sys_read:foo", "1:7: error: unknown probe type 'x'"),
        ("probe p::SyS_nanosleep(struct timespec *ts)", "1:23: error: function signatures are not supported"),
        ("probe sys_read (retval > 0)", "1:17: error: 'retval' is only available on return probes"),
        (#"probe sys_read "%d", arg7"#, "1:22: error: 'arg7' is out of range: arguments are arg1 to arg6"),
        ("probe sys_read (arg5 > 0)", "1:17: error: 'arg5' does not exist: read takes 3 arguments (arg1 = fd, arg2 = buf, arg3 = count)"),
        (#"probe sys_read "%s", arg1"#, "1:22: error: '%s' needs a string, but 'arg1' is a number here"),
        (#"probe sys_read "%d", comm"#, "1:22: error: '%d' needs a number, but 'comm' is a string"),
        ("probe t:sched:sched_process_exec (arg1 == 0)", "1:35: error: tracepoints have named fields, not 'arg1': use args->NAME (fields: filename, pid, old_pid)"),
        ("probe t:sched:sched_process_exec (args->nope == 1)", "1:35: error: sched:sched_process_exec has no field 'nope'"),
        ("probe sys_read ($foo == 1)", "1:17: error: undefined variable '$foo'"),
        (#"probe sys_read (comm > "a")"#, "1:22: error: strings can only be compared with == and !="),
        ("probe sys_read (comm == 1)", "1:22: error: cannot compare the string 'comm' with the number '1'"),
        ("probe u:nosuchlib:foo", "1:7: error: cannot find library or binary 'nosuchlib'"),
        ("probe c:mallocc", "1:7: error: no function 'mallocc' in "),
        (#"probe sys_read (arg1 == 1) system("rm -rf /")"#, "1:28: error: unexpected 'system' in the probe spec"),
        (#"probe sys_read "%d", arg1; system("x")"#, "1:28: error: unknown command 'system("),
        ("probe sys_read (arg1 == 99999999999999999999)", "1:25: error: invalid number '99999999999999999999'"),
        ("probe sys_read (arg1 == 1) (arg2 == 2)", "1:28: error: a spec has one predicate"),
        ("probe a:b:c:d", "1:12: error: too many ':'"),
        ("probe sys_read ()", "1:17: error: expected a predicate inside '(' ')'"),
        (#"probe t:sched "x""#, "1:7: error: 't' probes have three parts: t:category:event"),
        ("probe o = sys_openat\nfilter o: args->nope == 1", "2:11: error: probe 'o': syscalls:sys_enter_openat has no field 'nope'"),
        ("probe o = sys_openat\nagg o: sum comm", "2:12: error: probe 'o': 'comm' is a string; a number is needed here"),
        ("probe o = sys_openat\nfilter o: retval == 0", "2:11: error: probe 'o': 'retval' is only available on return probes (r::sys_openat)"),
        // Return probes read entry arguments, latency and errno; entry probes have neither of the last two.
        (#"probe r::sys_openat (retval == -2) "%s", arg7@user"#, "1:42: error: 'arg7' is out of range"),
        ("probe r::sys_read (arg4 > 100)", "1:20: error: 'arg4' does not exist: read takes 3 arguments"),
        ("probe o = sys_openat\nagg o: hist latency", "2:13: error: probe 'o': 'latency' is the time from a call's entry to its return, so only return probes have it; probe 'o' (tracepoint:syscalls:sys_enter_openat) is not one (use r::sys_openat)"),
        ("probe o = sys_openat\nfilter o: latency > 5", "2:11: error: probe 'o': 'latency' is the time from a call's entry to its return"),
        ("probe r = r:c:malloc\nagg r: count by errno", "2:17: error: probe 'r': 'errno' is a syscall's error on return; a user function's return value carries no error number (use retval)"),
        ("probe o = sys_openat\nagg o: count by errno", "2:17: error: probe 'o': 'errno' is a syscall's error on return; probe 'o' (tracepoint:syscalls:sys_enter_openat) is not a syscall return probe (r::sys_openat)"),
        ("probe r = r::sys_openat\nfilter r: errno == \"ENOENTT\"", "2:20: error: probe 'r': no error named 'ENOENTT'"),
        ("probe r = r::sys_openat\nfilter r: args->nosuch == 1", "2:11: error: probe 'r': syscalls:sys_exit_openat has no field 'nosuch'"),
        // execve's argv and envp are lists of strings: their own bytes are addresses (issue 20, item 3).
        (#"probe e = sys_execve "%s", args->argv"#, "1:28: error: 'args->argv' is a list of strings (const char *const * argv), not one string; tracesh cannot print it as '%s' or '@user' yet"),
        (#"probe e = sys_execve "%s", arg2@user"#, "1:28: error: 'arg2' is a list of strings (const char *const * argv)"),
        (#"probe e = r::sys_execve "%s", arg3@user"#, "1:31: error: 'arg3' is a list of strings (const char *const * envp)"),
        // bpftrace 0.17 allows 1000 lhist buckets.
        ("probe o = sys_openat\nagg o: lhist(0, 100000000, 1) arg3", "2:31: error: lhist(0, 100000000, 1) has 100000000 buckets; bpftrace allows at most 1000"),
        ("agg lhist(retval, 0, 100000000, 1)", "1:11: error: lhist(0, 100000000, 1) has 100000000 buckets"),
        // Names are checked when entered, before any probe, and later probes against earlier filters.
        ("filter foo", "1:8: error: unknown name 'foo'"),
        ("filter args->nope == 1\nprobe o = sys_openat", "2:1: error: probe 'o' does not fit an earlier filter or aggregation (the command at 1:8): syscalls:sys_enter_openat has no field 'nope'"),
        ("agg count by arg5\nprobe o = sys_read", "2:1: error: probe 'o' does not fit an earlier filter or aggregation (the command at 1:14): 'arg5' does not exist"),
        ("probe o = sys_openat\nfilter o: nosuch == 1", "2:11: error: probe 'o': unknown name 'nosuch' on probe 'o'; closest known names: "),
        ("probe o = sys_openat\nfilter o: gd == 1", "2:11: error: probe 'o': unknown name 'gd' on probe 'o'; did you mean 'gid'"),
        // User-space-only names and functions cannot go into a spec's (kernel) predicate.
        (#"probe sys_read (message == "x")"#, "1:17: error: 'message' exists in user space only"),
        (#"probe sys_read (comm =~ "x")"#, "1:22: error: '=~' (regular expressions) runs in user space"),
        // Wildcards: syscalls only for kernel functions, never user-space functions; a wildcard's
        // arguments are integers (each syscall's differ), so strings cannot be read from them.
        ("probe u:c:mall*", "1:15: error: invalid character '*' in function name 'mall*' (wildcards match kernel tracepoints and syscalls"),
        ("probe p::do_*", "1:7: error: 'do_*': wildcards in kernel function names match syscalls only"),
        ("probe sys_*nosuch*", "1:7: error: no syscall matches 'sys_*nosuch*' on this kernel"),
        ("probe t:sched:nosuch*", "1:7: error: no tracepoint matches 't:sched:nosuch*' on this kernel"),
        (#"probe sys_*open* "%s", arg2@user"#, "1:24: error: 'arg2@user': 'sys_*open*' covers several syscalls whose arguments differ"),
        ("probe s = sys_*\nfilter s: arg2@user == \"x\"", "2:11: error: probe 's': 'arg2@user': 'sys_*' covers several syscalls"),
        (#"probe r::sys_* "%s", arg1@user"#, "1:22: error: 'arg1@user': 'sys_*' covers several syscalls"),
        ("probe s = sys_*\nfilter s: function == \"nosuch\"", "2:23: error: probe 's': no syscall 'nosuch' with a known number"),
    ])
    func locatedError(script: String, expected: String) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        #expect(interpreter.run(source: script, origin: nil) == .failure)
        #expect(output.diagnostics.count == 1)
        #expect(output.diagnostics.first?.hasPrefix(expected) == true, "\(output.diagnostics)")
    }

    /// execve's one string, its filename, is still read as a string beside its lists.
    @Test func execveFilenameIsAString() throws {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        #expect(interpreter.run(source: #"probe e = sys_execve "%s", args->filename"#, origin: nil) == .success, "\(output.diagnostics)")
        let program = try ProgramCompiler.compile(interpreter.graph, catalog: Fixtures.catalog, options: CompileOptions(framing: Fixtures.framing))
        #expect(program.source.contains("str(args->filename)"), "\(program.source)")
        #expect(!program.source.contains("args->argv"), "\(program.source)")
    }

    @Test func smuggledStringsAreReEscaped() throws {
        var graph = SessionGraph()
        graph.probes = [ProbeDeclaration(name: "p", spec: #"sys_read (comm == "a\" } BEGIN { system(\"x\") } {\n")"#)]
        let program = try ProgramCompiler.compile(graph, catalog: Fixtures.catalog, options: CompileOptions(framing: Fixtures.framing))
        #expect(program.source.contains(#"/(comm == "a\" } BEGIN { system(\"x\") } {\n")/"#))
        #expect(!program.source.contains("system(\"x\")\n"))
    }
}
