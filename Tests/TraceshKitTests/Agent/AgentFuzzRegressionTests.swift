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

    /// crash-66872d40...: a target with thousands of nested '(' overflowed the stack in the
    /// expression parser (recursive descent); nesting is now limited, with a located error.
    static let deepNesting = Data(base64Encoded: "eyJlYnBmX3Byb2dyYW1zIjogW3sibmFtZSI6ICJzcGVjIiwgInRhcmdldCI6ICJzeXNfb3BlbmF0IChjcHRocmVhZF9yd2xvY2tfZGVnMiV1c2UgICAgICAgICAgICAgICAgICAgICAgICAgICAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKGNrX2RlZzIldXNlICAgICAgICAgICAgICAgICAgICAgICAgICAgICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCB+ICAgSiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgofiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoIH4gICBKICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCh+ICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCh0cnVlKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCggfiAgIEogICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCB+ICAgSiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgofiAgKCgoKCgoKCgoKCgoKCgoKCgoICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCB+ICAgSiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgofiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKH4gICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoIH4gICBKICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCh+ICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCh0cnVlKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCggKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCB+ICAgSiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgofiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgodHJ1ZSgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoIH4gICBKICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgofiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgodHJ1ZSgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoIH4gICBKICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCggKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCB+ICAgSiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgofiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCggfiAgIEogICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKH4gICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCh+ICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCggICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCB+ICAgSiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgofiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgodHJ1ZSgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCggfiAgIEogICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKH4gICgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKHRydWUoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCB+ICAgSiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoIH4gICBKICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCh+ICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCh0cnVlKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCggKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCB+ICAgSiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgofiAgKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoICAoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCAgICAgICAgICAgICAgICAgICAgICAgICAgICAhICAgICAgICAgICAgICAgIHIifV19")!

    @Test func deeplyNestedParenthesesAreALocatedError() throws {
        let request = try AgentRequest.decode(Self.deepNesting)
        let plan = try AgentProgramPlan(request.programs[0])
        #expect(throws: Diagnostic.self) { try SpecParser.parse(LocatedText(plan.spec)) }
        for text in [String(repeating: "(", count: 100_000) + "1", String(repeating: "!", count: 100_000) + "1",
                     String(repeating: "(int)", count: 50_000) + "1"] {
            do {
                _ = try ExpressionParser.parse(LocatedText(text))
                Issue.record("accepted")
            } catch let diagnostic as Diagnostic {
                #expect(diagnostic.message.contains("nests deeper than 200") && diagnostic.location != nil, "\(diagnostic)")
            }
        }
        let nested = String(repeating: "(", count: 150) + "1" + String(repeating: ")", count: 150)
        #expect(try ExpressionParser.parse(LocatedText(nested + " == 1")).description.contains("1"))
    }
}
