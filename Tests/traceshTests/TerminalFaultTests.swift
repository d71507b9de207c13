import Foundation
import Testing

/// Faults under the interactive shell (tmux): an unusable history file, a bpftrace that prints
/// garbage and hangs, the terminal closed during a run. The shell says what is wrong, goes on,
/// and leaves no process and no temporary file behind.
@Suite struct TerminalFaultTests {
    let prompt = "tracesh>"

    /// The screen as one string without white space, so that a message wrapped at the
    /// terminal's width (its last blank trimmed) can be looked for whole.
    static func flat(_ lines: [String]) -> String { lines.joined().filter { !$0.isWhitespace } }
    static func flat(_ text: String) -> String { text.filter { !$0.isWhitespace } }

    /// A history path that is a directory: it can be neither read nor written. Each is said once.
    @Test(.terminal) func anUnusableHistoryFileIsReportedOnceAndTheShellGoesOn() throws {
        let directory = try TemporaryDirectory()
        let history = directory.path("history")
        try FileManager.default.createDirectory(atPath: history, withIntermediateDirectories: false)
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": history])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        // (Joined: a long path wraps at the terminal's 100 columns.)
        #expect(try Self.flat(terminal.screen()).contains(Self.flat("tracesh: warning: cannot read the history from '\(history)': Is a directory (starting with an empty history)")),
                "\((try? terminal.screen()) ?? [])")
        try terminal.send("set marker 1", "Enter")
        try terminal.waitForScreen { $0.filter { $0 == prompt }.count == 1 }
        try terminal.send("set marker 2", "Enter", "show graph", "Enter")
        let lines = try terminal.waitForScreen { $0.contains("  $marker = 2") && Terminal.lastLine($0) == prompt }
        #expect(Self.flat(lines).components(separatedBy: Self.flat("tracesh: warning: cannot write '\(history)': it is a directory; the history of this session is not saved")).count == 2,
                "\(lines.joined(separator: "\n"))")
        // Up still recalls this session's lines.
        try terminal.send("Up")
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh> show graph" }
        try terminal.send("C-u", "C-d")
        #expect(try terminal.exitStatus() == 0)
    }

    /// The disk holding the history is full: the old history file is kept whole (libedit's own
    /// save truncated it first), and the shell says why this session's lines are not saved.
    @Test(.liveTerminal) func aFullDiskKeepsTheOldHistory() throws {
        let scene = try FaultTests.Scene()
        let disk = try FaultTests.FullDisk(in: scene)
        let history = disk.path + "/history"
        let first = try Terminal(environment: ["TRACESH_HISTORY": history])
        try first.waitForScreen { Terminal.lastLine($0) == prompt }
        try first.send("set marker 42", "Enter")
        try first.waitForScreen { $0.filter { $0 == prompt }.count == 1 }
        try first.send("C-d")
        #expect(try first.exitStatus() == 0)
        let saved = try Data(contentsOf: URL(fileURLWithPath: history))
        #expect(String(decoding: saved, as: UTF8.self).contains("marker"))

        disk.fill()
        let second = try Terminal(environment: ["TRACESH_HISTORY": history])
        try second.waitForScreen { Terminal.lastLine($0) == prompt }
        try second.send(String(repeating: "x", count: 60), "Enter")
        try second.waitForScreen { Self.flat($0).contains(Self.flat("tracesh: warning: cannot write '\(history)': No space left on device; the history of this session is not saved")) }
        try second.waitForScreen { Terminal.lastLine($0) == prompt }
        try second.send("C-d")
        #expect(try second.exitStatus() == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: history)) == saved, "the old history was damaged")
        #expect(disk.files == ["filler", "history"], "\(disk.files)")
    }

    /// bpftrace hangs while attaching, deaf to SIGINT and SIGTERM: Ctrl-C still ends the run
    /// (bpftrace is killed after the stop grace) and the shell goes on. (Text bpftrace never
    /// prints before attaching fails the run at once: StartFailureTests.)
    @Test(.liveTerminal) func aBpftraceThatHangsWhileAttachingIsKilledOnCtrlC() throws {
        let scene = try FaultTests.Scene()
        let started = scene.path("started")
        let fake = try scene.fakeBpftrace("""
            trap '' INT TERM
            echo 'Attaching 1 probe...'
            echo 'ERROR: something odd' >&2
            echo $$ > '\(started).new' && mv '\(started).new' '\(started)'
            while :; do sleep 1; done
            """)
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null", "TRACESH_BPFTRACE": fake, "TMPDIR": scene.temporary])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("probe o = sys_openat", "Enter", "run 5m", "Enter")
        let end = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: started) && Date() < end { usleep(20_000) }
        let pid = try #require(Int32((try? String(contentsOfFile: started, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""),
                               "the fake bpftrace never ran: \(((try? terminal.screen()) ?? []).joined(separator: "\n"))")
        try terminal.send("C-c")
        // SIGINT every 0.5 s for the stop grace (10 s), then SIGKILL.
        let lines = try terminal.waitForScreen(timeout: 40) { $0.contains { $0.hasPrefix("run 1 ") } && Terminal.lastLine($0) == prompt }
        #expect(ProcessTable.waitUntilGone(pid, timeout: 5), "the fake bpftrace \(pid) outlived its run")
        #expect(lines.contains { $0.hasPrefix("run 1 stopped") || $0.hasPrefix("run 1 failed") }, "\(lines.joined(separator: "\n"))")
        try terminal.send("show graph", "Enter")
        try terminal.waitForScreen { $0.contains("  o = sys_openat") && Terminal.lastLine($0) == prompt }
        try terminal.send("C-d")
        #expect(try terminal.exitStatus() == 0)
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
    }

    /// The terminal closes during `run 30s`: tracesh gets SIGHUP, stops the run and exits, and
    /// neither it nor its bpftrace nor a temporary file is left.
    @Test(.liveTerminal) func closingTheTerminalDuringARunLeavesNothing() throws {
        let scene = try FaultTests.Scene()
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null", "TMPDIR": scene.temporary])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("probe o = sys_openat", "Enter", "run 30s", "Enter")
        try terminal.waitForScreen(timeout: 60) { $0.contains { $0.hasPrefix("[run 1 running]") } }
        let shell = try terminal.panePid()
        let tracesh = try #require(ProcessTable.children(of: shell).first { $0.name == "tracesh" }, "\(ProcessTable.children(of: shell))")
        let children = ProcessTable.children(of: tracesh.pid)
        #expect(children.contains { $0.name == "bpftrace" }, "\(children)")
        try terminal.closeTerminal()
        #expect(ProcessTable.waitUntilGone(tracesh.pid), "tracesh \(tracesh.pid) outlived its terminal")
        for child in children {
            #expect(ProcessTable.waitUntilGone(child.pid, timeout: 5), "\(child) outlived tracesh")
        }
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
    }
}
