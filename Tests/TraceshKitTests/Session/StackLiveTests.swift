import Foundation
import Testing
@testable import TraceshKit

/// Stacks of a real run, named by tracesh after the traced process has exited.
@Suite(.serialized) struct StackLiveTests {
    static func stacks(_ result: AggregationResult) -> [(frames: [String], count: Int64)] {
        result.rows.compactMap { row in
            guard let key = row.keys.last, case .scalar(let count) = row.value else { return nil }
            return (StackRows.frames(key), count)
        }
    }

    /// The static helper's `main -> outer -> inner -> openat` chain opens a file 5 times and
    /// exits; the results (parsed at the end of the run, when it is gone) name main, outer and
    /// glibc's openat with 5. (inner is the frame-pointer-less wrapper's caller, which
    /// frame-pointer unwinding skips: see the fixture.) The folded file, the SVG, `top stacks`
    /// and a replay of the recording agree.
    @Test(.live) func userStacksOfAnExitedStaticHelperAreNamed() throws {
        let folder = try TemporaryFolder()
        let target = folder.path + "/target"
        FileManager.default.createFile(atPath: target, contents: Data())
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: """
            probe o = sys_openat
            filter o: comm == "stack_helper"
            agg o: count by ustack
            agg o: count by kstack
            record \(folder.path)/run.trcrec
            run 60s -- \(StackHelper.path) \(target)
            save \(folder.path)/s.folded
            save \(folder.path)/s.svg
            top stacks 3
            """, origin: "stacks.trc") == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let user = try #require(run.pipeline.aggregations.first { $0.aggregation.keys.first?.description == "ustack" })
        let helperStacks = Self.stacks(user).filter { $0.frames.last == "openat" }
        #expect(helperStacks.count == 1, "\(Self.stacks(user))")
        let stack = try #require(helperStacks.first)
        #expect(stack.count == 5)
        let names = stack.frames
        let main = try #require(names.firstIndex(of: "main"), "\(names)"), outer = try #require(names.firstIndex(of: "outer"), "\(names)")
        #expect(main < outer && outer == names.count - 2, "\(names)")

        // Kernel frames from /proc/kallsyms: the syscall entry path of this kernel.
        let kernel = try #require(run.pipeline.aggregations.first { $0.aggregation.keys.first?.description == "kstack" })
        let kernelStack = try #require(Self.stacks(kernel).first)
        #expect(kernelStack.count == 5)
        #expect(kernelStack.frames.contains("do_syscall_64"), "\(kernelStack.frames)")
        #expect(!kernelStack.frames.contains { $0.hasPrefix("0x") }, "\(kernelStack.frames)")

        let folded = try String(contentsOfFile: folder.path + "/s.folded", encoding: .utf8)
        #expect(folded.split(separator: "\n").contains { $0.range(of: #"(^|;)main;outer;openat 5$"#, options: .regularExpression) != nil }, "\(folded)")
        let svg = try String(contentsOfFile: folder.path + "/s.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("<title>main (5 samples") && svg.contains("<title>openat (5 samples, 100.00%)</title>"))
        #expect(output.text.contains("5            openat") || output.text.contains("openat"), "\(output.text)")

        let replayed = try interpreter.runs.replay(folder.path + "/run.trcrec", maxEvents: 1000)
        #expect(replayed.pipeline.aggregations == run.pipeline.aggregations)
    }

    /// `set stacks user` adds each event's stack, named, to its fields.
    @Test(.live) func eventsCarryNamedStacks() throws {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: """
            set stacks both
            probe o = sys_openat "open %s", arg2@user
            filter o: comm == "stack_helper"
            run 60s -- \(StackHelper.path)
            """, origin: "stacks.trc") == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let events = run.pipeline.store.events
        #expect(events.count == 5)
        for event in events {
            let user = try #require(event.rawArgs.first { $0.name == "ustack" })
            let kernel = try #require(event.rawArgs.first { $0.name == "kstack" })
            #expect(StackRows.frames(user.value).suffix(2) == ["outer", "openat"], "\(user.value)")
            #expect(StackRows.frames(kernel.value).contains("do_syscall_64"), "\(kernel.value)")
            #expect(String(decoding: event.message, as: UTF8.self) == "open /etc/hostname")
        }
    }
}
