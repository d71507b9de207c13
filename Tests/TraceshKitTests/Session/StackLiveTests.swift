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
    /// exits; the results (parsed at the end of the run, when it is gone) name main, outer, inner
    /// and glibc's openat with 5 (inner is the caller frame-pointer unwinding skips, put back by
    /// tracesh: see `StackCodegen`). The folded file, the SVG, `top stacks` and a replay of the
    /// recording agree.
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
        #expect(Array(names.suffix(4)) == ["main", "outer", "inner", "openat"], "\(names)")

        // Kernel frames from /proc/kallsyms: the syscall entry path of this kernel.
        let kernel = try #require(run.pipeline.aggregations.first { $0.aggregation.keys.first?.description == "kstack" })
        let kernelStack = try #require(Self.stacks(kernel).first)
        #expect(kernelStack.count == 5, "\(kernel.rows) \(user.rows)")
        #expect(kernelStack.frames.contains("do_syscall_64"), "\(kernelStack.frames)")
        #expect(!kernelStack.frames.contains { $0.hasPrefix("0x") }, "\(kernelStack.frames)")

        let folded = try String(contentsOfFile: folder.path + "/s.folded", encoding: .utf8)
        #expect(folded.split(separator: "\n").contains { $0.range(of: #"(^|;)main;outer;inner;openat 5$"#, options: .regularExpression) != nil }, "\(folded)")
        let svg = try String(contentsOfFile: folder.path + "/s.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("<title>main (5 samples") && svg.contains("<title>inner (5 samples, 100.00%)</title>")
                && svg.contains("<title>openat (5 samples, 100.00%)</title>"))
        // top stacks: the chain as a tree, each frame one level deeper than its caller.
        let tree = output.lines.first { $0.contains("heaviest stacks") } ?? ""
        #expect(tree.range(of: #"\n5 +main\n5 +outer\n5 +inner\n5 +openat$"#, options: .regularExpression) != nil, "\(tree)")

        let replayed = try interpreter.runs.replay(folder.path + "/run.trcrec", maxEvents: 1000)
        #expect(replayed.pipeline.aggregations == run.pipeline.aggregations)
    }

    /// `cat /etc/hostname` (dynamically linked) exits within a millisecond or two of its first
    /// open, often before tracesh can read its maps: its frames are still named, from its maps
    /// or from what the kernel reported as it exec'd and mapped libc (see `KernelMapping`), in
    /// the run and in a replay of its recording. On 27ef842 every frame was a bare address.
    @Test(.live) func aShortLivedDynamicCommandsStacksAreNamed() throws {
        let folder = try TemporaryFolder()
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: """
            probe o = sys_openat
            filter o: comm == "cat"
            agg o: count by ustack
            record \(folder.path)/run.trcrec
            run 60s -- /bin/cat /etc/hostname
            """, origin: "cat-stacks.trc") == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let stacks = Self.stacks(try #require(run.pipeline.aggregations.first))
        #expect(stacks.map(\.count).reduce(0, +) >= 5, "cat and its loader open a few files: \(stacks)")
        // Each stack has named frames (a stray word the unwinder reads past the end may stay bare).
        for stack in stacks {
            #expect(stack.frames.contains { !$0.hasPrefix("0x") }, "\(stack.frames)")
        }
        let frames = stacks.flatMap(\.frames)
        #expect(frames.contains { $0.hasPrefix("ld-linux") }, "the loader's opens: \(frames)")
        #expect(frames.contains("open") || frames.contains("__open_nocancel") || frames.contains { $0.hasPrefix("libc.so") }, "libc's opens: \(frames)")
        let replayed = try interpreter.runs.replay(folder.path + "/run.trcrec", maxEvents: 1000)
        #expect(replayed.pipeline.aggregations == run.pipeline.aggregations)
    }

    /// A syscall tracepoint fires on the syscall entry path, before the syscall's own function;
    /// a tracepoint inside the open (the getname allocation in kmem_cache_alloc) shows it:
    /// `__x64_sys_openat` and `do_sys_openat2`, named from /proc/kallsyms, once per open.
    @Test(.live) func kernelStacksNameTheSyscallsFunctions() throws {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: """
            probe k = t:kmem:kmem_cache_alloc
            filter k: comm == "stack_helper"
            agg k: count by kstack
            run 60s -- \(StackHelper.path)
            """, origin: "kstacks.trc") == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        let kernel = try #require(run.pipeline.aggregations.first)
        let getname = Self.stacks(kernel).filter { $0.frames.contains("do_sys_openat2") && $0.frames.contains { $0.hasPrefix("getname") } }
        #expect(getname.count == 1, "\(Self.stacks(kernel))")
        #expect(getname.first?.count == 5)
        let frames = getname.first?.frames ?? []
        #expect(frames.firstIndex(of: "__x64_sys_openat").map { frames[$0 + 1] == "do_sys_openat2" } == true, "\(frames)")
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
            #expect(StackRows.frames(user.value).suffix(4) == ["main", "outer", "inner", "openat"], "\(user.value)")
            #expect(!event.rawArgs.contains { $0.name == StackRows.callerField })
            #expect(StackRows.frames(kernel.value).contains("do_syscall_64"), "\(kernel.value)")
            #expect(String(decoding: event.message, as: UTF8.self) == "open /etc/hostname")
        }
    }
}
