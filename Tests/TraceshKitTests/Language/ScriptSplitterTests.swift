import Testing
@testable import TraceshKit

@Suite struct ScriptSplitterTests {
    @Test func splitsLinesSemicolonsAndDropsComments() {
        let commands = ScriptSplitter.split("#!/usr/bin/env tracesh\nprobe a = sys_read # note\n\nset x 1; set y 2\n")
        #expect(commands.map(\.string) == ["probe a = sys_read", "set x 1", "set y 2"])
        #expect(commands[0].location(at: 0) == SourceLocation(line: 2, column: 1))
        #expect(commands[2].location(at: 0) == SourceLocation(line: 4, column: 10))
    }

    @Test func keepsSemicolonsAndHashesInsideQuotes() {
        let commands = ScriptSplitter.split(#"probe sys_write "a;b # c \" d" , arg1; stats"#)
        #expect(commands.map(\.string) == [#"probe sys_write "a;b # c \" d" , arg1"#, "stats"])
    }

    @Test func joinsContinuationLinesKeepingLocations() {
        let commands = ScriptSplitter.split("probe a = \\\n  sys_read\nstats")
        #expect(commands.map(\.string) == ["probe a =   sys_read", "stats"])
        let spec = commands[0]
        let sIndex = spec.string.distance(from: spec.string.startIndex, to: spec.string.firstIndex(of: "s")!)
        #expect(spec.location(at: sIndex) == SourceLocation(line: 2, column: 3))
        #expect(commands[1].location(at: 0).line == 3)
    }

    @Test func hashInsideAWordIsNotAComment() {
        #expect(ScriptSplitter.split("save a#b.trc").map(\.string) == ["save a#b.trc"])
    }

    @Test func detectsContinuedInteractiveLines() {
        #expect(ScriptSplitter.continues("probe \\"))
        #expect(!ScriptSplitter.continues("probe \\\\"))
        #expect(!ScriptSplitter.continues("probe"))
    }
}
