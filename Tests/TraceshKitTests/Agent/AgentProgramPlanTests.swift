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
