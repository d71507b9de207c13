import Testing
@testable import TraceshKit

/// Sessions that together cover every probe type, predicate operator, filter placement and
/// aggregation function. Their programs are golden files, and the live test loads each in bpftrace.
enum GoldenPrograms {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var script: String
        var descendantsOf: [Int64] = []
        /// `run -- COMMAND`: the held command's pid.
        var heldCommand: HeldCommand?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "syscall_entry_predicate_format", script: #"probe rd = sys_read (arg3 > 1024) "read %d bytes", arg3"#),
        Case(name: "syscall_return_retval", script: #"probe ro = r::sys_openat (retval < 0) "open failed %d", retval"#),
        Case(name: "user_string", script: #"probe o = sys_openat "open %s flags %x", arg2@user, arg3"#),
        // Flags, widths and precisions are applied in user space: bpftrace sees plain %s and %lld.
        Case(name: "format_flags_and_widths", script: #"probe fw = sys_openat "[%-30s] [%10d] %#08hx %+.3lld %.5s %-4c", arg2@user, arg3, arg4, arg1, arg2@user, arg1"#),
        Case(name: "open_family", script: #"probe op = sys_open "open %s", arg1@user"#),
        Case(name: "tracepoint_fields", script: #"probe ex = t:sched:sched_process_exec "exec %s pid %d", args->filename, args->pid"#),
        Case(name: "tracepoint_char_arrays", script: #"probe sw = t:sched:sched_switch (args->prev_pid != 0) "%s -> %s", args->prev_comm, args->next_comm"#),
        Case(name: "uprobe", script: #"probe m = c:malloc (arg1 > 64) "malloc %d", arg1"#),
        Case(name: "uretprobe", script: #"probe mr = r:c:malloc "malloc -> %llx", retval"#),
        Case(name: "usdt", script: "probe th = u:stdc++:throw"),
        Case(name: "user_probe_fallback_to_uprobe", script: #"probe uf = u:c:getenv "getenv %lx", arg1"#),
        Case(name: "uprobe_string_argument", script: #"probe gv = c:getenv "getenv %s", arg1"#),
        Case(name: "builtins_and_casts", script: #"probe b = sys_write ($tgid != 1 && $pid > 0 && $uid == 0 && $gid >= 0 && $cpu < 64 && STRCMP("cat", $comm) && $task != 0) "%d %d", (int)arg1, (unsigned long)arg3"#),
        Case(name: "predicate_operators", script: "probe ops = sys_read (arg1 == 1 || arg1 != 2 && !(arg3 < 4) && arg3 <= 5 || arg3 > 6 && arg3 >= 7 && (arg3 & 8) == 8 && (arg3 | 1) > 0 && (arg3 ^ 3) != 0 && (arg3 << 1) > (arg3 >> 1) && arg3 + 1 - 2 * 3 / 1 % 5 != -1 && ~arg1 != 0)"),
        Case(name: "session_filters", script: """
            probe o = sys_openat "open %s", arg2@user
            probe w = sys_write
            filter o: comm == "cat" && pid != 1 && args->filename == "/etc/hostname"
            filter uid == 0
            filter o: message =~ "etc"
            """),
        Case(name: "aggregations", script: """
            probe r = sys_read
            agg r: count by comm
            agg r: sum arg3 by comm, pid
            agg r: avg arg3
            agg r: min arg3
            agg r: max arg3
            agg r: hist arg3
            agg r: lhist(0, 4096, 512) arg3 by comm
            """),
        Case(name: "stream_off_count", script: "set stream off\nprobe r = sys_read\nagg count by comm"),
        // Syscall wildcards: one raw_syscalls probe each; `sys_*open*` keeps only the open
        // family's numbers, `r::sys_*` (every syscall of the fixture) needs no predicate.
        Case(name: "syscall_wildcards", script: """
            probe s = sys_*open* "fd %d", arg1
            probe x = r::sys_*
            agg s: count by function
            agg x: count by function, retval
            """),
        // Return probes reading their call's entry: arguments saved at entry by tid (the path
        // read at return from the saved pointer), latency, errno; the entry maps cleaned up.
        Case(name: "return_entry_arguments", script: """
            probe fo = r::sys_openat (retval < 0) "%s %d", arg2@user, retval
            filter fo: latency > 1000 && errno != "EAGAIN"
            agg fo: count by errno, comm
            agg fo: hist latency
            """),
        Case(name: "uretprobe_entry_argument", script: #"probe ge = r:c:getenv "getenv(%s) = %llx", arg1, retval"#),
        Case(name: "every_syscall_return_latency", script: "probe x = r::sys_*read* \"fd %d\", arg1\nagg x: avg latency by comm"),
        Case(name: "descendants_of_command", script: #"probe o = sys_openat "open %s", arg2@user"#, descendantsOf: [4242]),
        // `run -p 4242,4343`: both are seeds of the descendants map.
        Case(name: "descendants_of_processes", script: #"probe o = sys_openat "open %s", arg2@user"#, descendantsOf: [4242, 4343]),
        // `run -- COMMAND` with a count-only probe: the command's own events go to a map without keys.
        Case(name: "held_command_count", script: "probe rd = sys_read\nagg rd: count by comm", descendantsOf: [4242],
             heldCommand: HeldCommand(pid: 4242, executable: "/usr/bin/a-long-name-of-a-reader")),
        // Stacks (issue 13): user stacks keyed with a hidden pid, a first-sight `P` record per
        // process; kernel stacks alone; `set stacks both` on every streamed event.
        Case(name: "stack_keys", script: """
            probe o = sys_openat
            agg o: count by ustack
            agg o: count by comm, kstack(5)
            agg o: hist arg3 by ustack(10)
            """),
        Case(name: "stack_events", script: "set stacks both\nprobe o = sys_openat \"open %s\", arg2@user"),
    ]

    /// Builds the session graph of a case, checking every command against `catalog`.
    static func graph(_ golden: Case, catalog: KernelCatalog) throws -> SessionGraph {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: catalog)
        guard interpreter.run(source: golden.script, origin: golden.name) == .success else {
            throw Diagnostic(output.diagnostics.joined(separator: "\n"), at: nil)
        }
        return interpreter.graph
    }

    static func program(_ golden: Case, catalog: KernelCatalog) throws -> CompiledProgram {
        let graph = try graph(golden, catalog: catalog)
        return try ProgramCompiler.compile(graph, catalog: catalog,
                                           options: CompileOptions(framing: Fixtures.framing, traceDescendantsOf: golden.descendantsOf,
                                                                   heldCommand: golden.heldCommand,
                                                                   stream: Settings.streamMode(graph), stacks: Settings.stackEvents(graph)))
    }
}
