import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshAgent

@Suite struct AgentProgramPlanTests {
    func program(_ type: String?, _ target: String, duration: Double? = nil, filters: AgentFilters? = nil) -> AgentProgram {
        AgentProgram(name: "p", type: type, target: target, duration: duration, filters: filters, description: nil)
    }

    @Test(arguments: [
        ("kprobe", "sys_openat", "sys_openat"), ("kretprobe", "sys_openat", "r::sys_openat"),
        ("tracepoint", "sched/sched_process_exec", "t:sched:sched_process_exec"),
        ("uprobe", "c:malloc", "p:c:malloc"), ("uretprobe", "c:malloc", "r:c:malloc"),
        ("r", "sys_read", "r::sys_read"),
        // A whole trace.py spec is taken as it is, whatever the type says.
        ("kprobe", #"sys_read (arg3 > 1024) "read %d bytes", arg3"#, #"sys_read (arg3 > 1024) "read %d bytes", arg3"#),
        ("tracepoint", "t:syscalls:sys_enter_openat", "t:syscalls:sys_enter_openat"),
    ])
    func typesBecomeTracePySpecs(type: String, target: String, spec: String) throws {
        #expect(try AgentProgramPlan(program(type, target)).spec == spec)
    }

    /// Where a program's probe attaches, resolved as a `probe` a user types (the fixture tracefs).
    func attachments(_ type: String?, _ target: String) throws -> [String] {
        let plan = try AgentProgramPlan(program(type, target), catalog: Fixtures.catalog)
        let interpreter = Interpreter(output: CollectingOutput(), catalog: Fixtures.catalog)
        _ = try interpreter.execute(Command(.probe(name: plan.probeName, spec: LocatedText(plan.spec)), at: .start))
        let declaration = try #require(interpreter.graph.probes.first)
        return try #require(interpreter.analysedProbes[declaration]).resolved.attachments.map(\.probe)
    }

    /// The `type`/`target` forms people write (issue 24 item 4), each resolving to the probe a
    /// person meant. On 27ef842 `tracepoint` + `sys_openat` failed with "'t' probes have three
    /// parts", and the bpftrace and bare-event forms failed too.
    @Test(arguments: [
        ("tracepoint", "sys_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        ("tracepoint", "sys_exit_openat", ["tracepoint:syscalls:sys_exit_openat"]),
        ("tracepoint", "syscalls:sys_enter_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        ("tracepoint", "syscalls/sys_enter_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        ("tracepoint", "tracepoint:syscalls:sys_enter_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        ("tracepoint", "sched_process_exec", ["tracepoint:sched:sched_process_exec"]),
        ("kprobe", "syscalls:sys_enter_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        ("kprobe", "tracepoint:syscalls:sys_enter_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        ("", "syscalls:sys_enter_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        ("kprobe", "sys_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        // trace.py's kernel-function form: here the syscall's tracepoints (sys_open: the open family).
        ("kprobe", "sys_open", ["tracepoint:syscalls:sys_enter_open", "tracepoint:syscalls:sys_enter_openat", "tracepoint:syscalls:sys_enter_openat2"]),
        ("kprobe", "__x64_sys_openat", ["tracepoint:syscalls:sys_enter_openat"]),
        ("kretprobe", "sys_openat", ["tracepoint:syscalls:sys_exit_openat"]),
        ("kprobe", "kprobe:sys_openat", ["tracepoint:syscalls:sys_enter_openat"]),
    ])
    func targetFormsResolveToTheProbeMeant(type: String, target: String, probes: [String]) throws {
        #expect(try attachments(type.isEmpty ? nil : type, target) == probes)
    }

    /// A uprobe on libc's malloc, by library name or by path (the path as the resolver finds it).
    @Test(arguments: [("uprobe", "libc:malloc"), ("uprobe", "c:malloc"), ("uprobe", "/lib/x86_64-linux-gnu/libc.so.6:malloc"),
                      ("uprobe", "uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc")])
    func uprobeTargetFormsResolveToLibcsMalloc(type: String, target: String) throws {
        guard FileManager.default.fileExists(atPath: "/lib/x86_64-linux-gnu/libc.so.6") else { return }
        let probes = try attachments(type, target)
        #expect(probes.count == 1 && probes[0].hasPrefix("uprobe:\"") && probes[0].hasSuffix("/libc.so.6\":malloc"), "\(probes)")
    }

    /// Anything else fails before anything runs, naming the form that works.
    @Test(arguments: [
        ("tracepoint", "openat", "needs its category: give 'category:event', e.g. 'syscalls:sys_enter_openat'"),
        ("tracepoint", "a:b:c", "give 'category:event'"),
        ("tracepoint", ":sys_enter_openat", "give 'category:event'"),
        ("kprobe", "a:b:c", "for a tracepoint give type 'tracepoint' and target 'category:event'"),
        ("uprobe", "malloc", "target is LIBRARY:FUNCTION, e.g. 'libc:malloc' or '/lib/x86_64-linux-gnu/libc.so.6:malloc'"),
        ("fentry", "vfs_read", "use kprobe, kretprobe, tracepoint, uprobe or uretprobe"),
    ])
    func otherTargetFormsNameTheFormThatWorks(type: String, target: String, message: String) {
        #expect {
            try AgentProgramPlan(program(type, target), catalog: Fixtures.catalog)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func filtersBecomeOneKernelPredicateWithLiteralValues() throws {
        let plan = try AgentProgramPlan(program("kprobe", "sys_openat", filters: AgentFilters(process: #"ng"inx\"#, pid: 1234, uid: 33)))
        // The process name is a string literal in the tree, printed with its escapes.
        #expect(plan.filter?.description == #"comm == "ng\"inx\\" && pid == 1234 && uid == 33"#)
        #expect(try ExpressionParser.parse(LocatedText(plan.filter!.description)) == plan.filter)
    }

    @Test func badProgramsAreRefusedWithAReason() {
        #expect(throws: AgentProgramError.self) { try AgentProgramPlan(program("kprobe", "sys_read", duration: 601)) }
        #expect(throws: AgentProgramError.self) { try AgentProgramPlan(program("fentry", "vfs_read")) }
        #expect(throws: AgentProgramError.self) { try AgentProgramPlan(program("kprobe", "  ")) }
        #expect(throws: AgentProgramError.self) { try AgentProgramPlan(program("kprobe", "sys_read", duration: 0)) }
    }
}
