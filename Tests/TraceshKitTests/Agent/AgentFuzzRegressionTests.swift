import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshAgent

/// Inputs `scripts/fuzz agent` found.
@Suite struct AgentFuzzRegressionTests {
    /// crash-aa7bd62e...: a duration of 0.51e308 s was refused with a message that printed it
    /// through Int64(_:), which trapped: `tracesh api` died on a request instead of answering it.
    @Test func aHugeDurationIsRefusedWithAMessage() throws {
        let request = #"{"ebpf_programs": [{"name": "ret", "typys_rXeade": "kretprobe", "target": "sys_rXead", "duration": 0.51e308}, {"name": "tp", "type": "tracepoint", "target": "sched/sched_process_ex'c"}, {"name": "u", "type": "uprobe", "target": "c:ma$lloc"}]}"#
        let decoded = try AgentRequest.decode(Data(request.utf8))
        #expect(throws: AgentProgramError.self) { try AgentProgramPlan(decoded.programs[0]) }
        do {
            _ = try AgentProgramPlan(decoded.programs[0])
        } catch {
            #expect(error.description.contains("5.1e+307 s is longer than the maximum"), "\(error.description)")
        }
        #expect(AgentProgramPlan.number(1e300) == "1e+300")
        #expect(AgentProgramPlan.number(90) == "90")
        #expect(AgentProgramPlan.number(1.5) == "1.5")
    }
}
