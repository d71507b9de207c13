import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshRuntime

/// What the runner hands bpftrace: its argv (the program file and nothing else: never
/// `--unsafe`, never user text) and the program file itself (private, removed afterwards).
/// A stand-in `bpftrace` shell script records what it was given, then fails at once.
@Suite struct RunnerArgumentsTests {
    @Test func bpftraceGetsOnlyAPrivateProgramFileAndNoUnsafeFlag() throws {
        let folder = try TemporaryFolder()
        let log = folder.path + "/argv"
        let bpftrace = folder.path + "/bpftrace"
        // One line per argument, then the modes of the program file and of its directory.
        let script = """
            #!/bin/sh
            for argument in "$@"; do printf 'arg %s\\n' "$argument"; done > '\(log)'
            stat -c 'file %a %u' "$1" >> '\(log)'
            stat -c 'dir %a %u' "$(dirname "$1")" >> '\(log)'
            echo 'ERROR: stand-in bpftrace' >&2
            exit 1
            """
        try writeExecutable(script, to: bpftrace)

        // A program holding user text (a filter's string with a quote and `system(`), as data.
        let (interpreter, _) = InjectionTests.interpreter()
        _ = interpreter.run(source: #"probe o = sys_openat "open %s", arg2@user"#, origin: "t")
        try InjectionTests.filter(interpreter, "o", Expression(.binary(.equal, InjectionTests.name("comm"), InjectionTests.string(#"a"); system("id"#))))
        let program = try InjectionTests.compile(interpreter)

        let programs = folder.path + "/tmp"
        try FileManager.default.createDirectory(atPath: programs, withIntermediateDirectories: false)
        let runner = try BpftraceRunner()
        let outcome = runner.run(program: program, bpftrace: bpftrace, duration: TraceDuration(milliseconds: 2000), command: nil,
                                 callSync: nil, timings: FakeBpftraceRunTests.timings, temporaryDirectory: programs,
                                 onOutput: { _ in }, isAttached: { false }, synced: { 0 }, isEnded: { false }, foreignLine: { nil })
        #expect(outcome.failure?.contains("stand-in bpftrace") == true, "\(String(describing: outcome.failure))")

        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let arguments = lines.filter { $0.hasPrefix("arg ") }.map { String($0.dropFirst(4)) }
        #expect(arguments.count == 1, "\(arguments)")
        #expect(!arguments.contains { $0.hasPrefix("-") }, "no option at all, --unsafe least of all: \(arguments)")
        #expect(arguments.first?.hasPrefix(programs + "/tracesh-") == true, "\(arguments)")
        #expect(arguments == BpftraceRunner.arguments(programPath: arguments.first ?? ""))
        // Root-only: 0600 in a 0700 directory, owned by tracesh's user.
        #expect(lines.contains("file 600 \(geteuid())"), "\(lines)")
        #expect(lines.contains("dir 700 \(geteuid())"), "\(lines)")
        // Removed once bpftrace ended.
        #expect(try FileManager.default.contentsOfDirectory(atPath: programs).isEmpty)
    }

    @Test func theArgumentsAreTheProgramPathAlone() {
        #expect(BpftraceRunner.arguments(programPath: "/tmp/tracesh-x/program.bt") == ["/tmp/tracesh-x/program.bt"])
    }
}
