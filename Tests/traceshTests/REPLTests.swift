import Foundation
import Testing

/// The interactive shell on a real pseudo-terminal (tmux).
@Suite struct REPLTests {
    let prompt = "tracesh>"

    @Test func tabCompletesACommandName() throws {
        guard LiveRequirement.met(needsTracing: false, needsTerminal: true) else { return }
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("pro", "Tab")
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh> probe" }
        // Ctrl-D deletes on a non-empty line (as in bash); it ends the shell on an empty one.
        try terminal.send("C-u", "C-d")
        #expect(try terminal.exitStatus() == 0)
    }

    @Test func historySurvivesARestart() throws {
        guard LiveRequirement.met(needsTracing: false, needsTerminal: true) else { return }
        let directory = try TemporaryDirectory()
        let history = directory.path("history")
        let first = try Terminal(environment: ["TRACESH_HISTORY": history])
        try first.waitForScreen { Terminal.lastLine($0) == prompt }
        try first.send("set marker 42", "Enter")
        try first.waitForScreen { $0.filter { $0 == prompt }.count == 1 && $0.contains("tracesh> set marker 42") }
        try first.send("quit", "Enter")
        #expect(try first.exitStatus() == 0)

        let second = try Terminal(environment: ["TRACESH_HISTORY": history])
        try second.waitForScreen { Terminal.lastLine($0) == prompt }
        try second.send("Up")
        try second.waitForScreen { Terminal.lastLine($0) == "tracesh> quit" }
        try second.send("Up")
        try second.waitForScreen { Terminal.lastLine($0) == "tracesh> set marker 42" }
        try second.send("C-u", "C-d")
        #expect(try second.exitStatus() == 0)
    }

    @Test func ctrlCOnAHalfTypedLineGivesAnEmptyPrompt() throws {
        guard LiveRequirement.met(needsTracing: false, needsTerminal: true) else { return }
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("probe half")
        // Typed first and seen: a ^C in the same write reaches the tty driver before the echo.
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh> probe half" }
        try terminal.send("C-c")
        let lines = try terminal.waitForScreen { $0.contains("tracesh> probe half") && Terminal.lastLine($0) == prompt }
        #expect(lines.filter { $0 == prompt }.count == 1)
        // The shell is still there and the abandoned line did nothing.
        try terminal.send("show graph", "Enter")
        try terminal.waitForScreen { $0.contains("probes: (none)") }
        #expect(try !terminal.screen().contains { $0.contains("half") && !$0.hasPrefix("tracesh>") })
    }

    @Test func ctrlDExitsWithStatusZero() throws {
        guard LiveRequirement.met(needsTracing: false, needsTerminal: true) else { return }
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("C-d")
        #expect(try terminal.exitStatus() == 0)
    }

    @Test func ctrlCStopsARunAndKeepsTheShell() throws {
        guard LiveRequirement.met(needsTracing: true, needsTerminal: true) else { return }
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("probe sys_read", "Enter")
        try terminal.send("run 5m", "Enter")
        // The live status line says the run is going.
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("[run 1 running]") } }
        try terminal.send("C-c")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("run 1 stopped:") } && Terminal.lastLine($0) == prompt }
        try terminal.send("stats", "Enter")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("state") && $0.contains("stopped") } }
        try terminal.send("C-d")
        #expect(try terminal.exitStatus() == 0)
    }
}
