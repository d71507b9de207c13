import Foundation
import Testing

/// The interactive shell on a real pseudo-terminal (tmux).
@Suite struct REPLTests {
    let prompt = "tracesh>"

    @Test(.terminal) func tabCompletesACommandName() throws {
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("pro", "Tab")
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh> probe" }
        // Ctrl-D deletes on a non-empty line (as in bash); it ends the shell on an empty one.
        try terminal.send("C-u", "C-d")
        #expect(try terminal.exitStatus() == 0)
    }

    /// Setting names and values complete from their declarations.
    @Test(.terminal) func tabCompletesASettingNameAndValue() throws {
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("set max-e", "Tab")
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh> set max-events" }
        try terminal.send("C-u", "set form", "Tab")
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh> set format" }
        try terminal.send("j", "Tab")
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh> set format json" }
        try terminal.send("C-u", "C-d")
        #expect(try terminal.exitStatus() == 0)
    }

    @Test(.terminal) func historySurvivesARestart() throws {
        let directory = try TemporaryDirectory()
        let history = directory.path("history")
        let first = try Terminal(environment: ["TRACESH_HISTORY": history])
        try first.waitForScreen { Terminal.lastLine($0) == prompt }
        try first.send("set marker 42", "Enter")
        try first.waitForScreen { $0.filter { $0 == prompt }.count == 1 && $0.contains("tracesh> set marker 42") }
        try first.send("quit", "Enter")
        #expect(try first.exitStatus() == 0)
        // What was typed (filters, paths) is the user's alone, as a shell's history is.
        var info = stat()
        #expect(stat(history, &info) == 0 && info.st_mode & 0o077 == 0, "history mode \(String(info.st_mode & 0o777, radix: 8))")

        let second = try Terminal(environment: ["TRACESH_HISTORY": history])
        try second.waitForScreen { Terminal.lastLine($0) == prompt }
        try second.send("Up")
        try second.waitForScreen { Terminal.lastLine($0) == "tracesh> quit" }
        try second.send("Up")
        try second.waitForScreen { Terminal.lastLine($0) == "tracesh> set marker 42" }
        try second.send("C-u", "C-d")
        #expect(try second.exitStatus() == 0)
    }

    @Test(.terminal) func ctrlCOnAHalfTypedLineGivesAnEmptyPrompt() throws {
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

    @Test(.terminal) func ctrlDExitsWithStatusZero() throws {
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("C-d")
        #expect(try terminal.exitStatus() == 0)
    }

    @Test(.liveTerminal) func ctrlCStopsARunAndKeepsTheShell() throws {
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("probe sys_read", "Enter")
        try terminal.send("run 5m", "Enter")
        // The live status line says the run is going.
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("[run 1 running]") } }
        try terminal.send("C-c")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("run 1 stopped (stopped on request): ") } && Terminal.lastLine($0) == prompt }
        try terminal.send("stats", "Enter")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("state") && $0.contains("stopped") } }
        try terminal.send("C-d")
        #expect(try terminal.exitStatus() == 0)
    }
}

/// Ctrl-C, `wait` and background runs in the shell, on a real terminal.
@Suite(.serialized) struct ShellRunTests {
    let prompt = "tracesh>"

    /// The tracesh process in the pane (the pane runs `sh -c 'tracesh ...'`).
    func traceshPid(_ terminal: Terminal) throws -> Int32? {
        let pane = try terminal.panePid()
        return ProcessTable.children(of: pane).first { $0.name == "tracesh" }?.pid
    }

    @Test(.liveTerminal, arguments: [5, 10, 20, 30, 50, 100])
    func ctrlCSoonAfterRunGivesThePromptBack(milliseconds: Int) throws {
        let temporary = try TemporaryDirectory()
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null", "TMPDIR": temporary.url.path])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        let tracesh = try #require(try traceshPid(terminal))
        try terminal.send("probe o = sys_openat", "Enter")
        // The probe line done and a new prompt (not the first prompt, seen before the keys land).
        try terminal.waitForScreen { $0.contains("tracesh> probe o = sys_openat") && Terminal.lastLine($0) == prompt }
        // Typed and echoed first, so that the Ctrl-C comes after the shell has read the line, not
        // while the terminal still holds it (the tty driver would throw the line away).
        try terminal.send("run 5s")
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh> run 5s" }
        try terminal.send("Enter")
        usleep(useconds_t(milliseconds * 1000))
        let children = ProcessTable.children(of: tracesh)
        try terminal.send("C-c")
        let lines = try terminal.waitForScreen(timeout: 20) { $0.contains { $0.hasPrefix("run 1 stopped") } && Terminal.lastLine($0) == prompt }
        #expect(!lines.contains { $0.contains("Fatal error") })
        // The shell lives on and the run's results are there.
        try terminal.send("runs", "Enter")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("1") && $0.contains("stopped") } }
        try terminal.send("quit", "Enter")
        #expect(try terminal.exitStatus() == 0)
        #expect(SignalTests.survivors(children).isEmpty, "\(SignalTests.survivors(children))")
        #expect(SignalTests.temporaryFiles(in: temporary).isEmpty)
    }

    /// Events as they happen: on a terminal a foreground run prints each event when it arrives,
    /// above the status line, and not again at the end.
    @Test(.liveTerminal) func anEventIsOnScreenWithinASecondWhileTheRunGoesOn() throws {
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send(#"probe o = sys_openat "%s", arg2@user"#, "Enter")
        try terminal.send(#"filter o: comm == "cat""#, "Enter")
        try terminal.send("run 12s -- /bin/sh -c 'sleep 3; cat /etc/hostname; sleep 9'", "Enter")
        let lines = try terminal.waitForScreen(timeout: 30) { $0.contains { $0.hasSuffix("/etc/hostname") } }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = try #require(lines.first { $0.hasSuffix("/etc/hostname") })
        // The run still goes on: the status line is below the event.
        let status = try #require(lines.first { $0.hasPrefix("[run 1 running]") }, "\(lines)")
        let elapsed = try #require(Double(status.split(separator: " ")[3].dropLast()), "\(status)")
        #expect(elapsed < 4.5, "\(status)")
        // The event's TIME (local HH:MM:SS.nnnnnnnnn) against the clock when the screen showed it.
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        let nowOfDay = Double(parts.tm_hour * 3600 + parts.tm_min * 60 + parts.tm_sec) + Double(now.tv_nsec) / 1e9
        let clock = line.prefix(18).split(separator: ":").compactMap { Double($0) }
        try #require(clock.count == 3, "\(line)")
        let delay = nowOfDay - (clock[0] * 3600 + clock[1] * 60 + clock[2])
        #expect(delay >= 0 && delay < 1, "on screen \(delay) s after it happened")
        print("live view: /etc/hostname on screen \(String(format: "%.3f", delay)) s after the open, at \(elapsed) s of the run")
        let end = try terminal.waitForScreen(timeout: 30) { Terminal.lastLine($0) == prompt }
        #expect(end.contains { $0.hasPrefix("run 1 completed") })
        #expect(end.filter { $0.hasSuffix("/etc/hostname") }.count == 1, "printed once: \(end)")
        try terminal.send("quit", "Enter")
        #expect(try terminal.exitStatus() == 0)
    }

    @Test(.liveTerminal) func ctrlCDuringWaitStopsTheWaitingNotTheRun() throws {
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("probe o = sys_openat", "Enter")
        try terminal.send("run 5m &", "Enter")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("run 1 started in the background") } }
        try terminal.send("wait", "Enter")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("[run 1 running]") } }
        try terminal.send("C-c")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("stopped waiting; run 1 still going") } && Terminal.lastLine($0) == prompt }
        try terminal.send("runs", "Enter")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("1") && $0.contains("running") } }
        // Leaving the shell stops it and says so.
        try terminal.send("quit", "Enter")
        let lines = try terminal.waitForScreen { $0.contains { $0.hasPrefix("[tracesh exited ") } }
        #expect(lines.contains("stopping run 1 before leaving"))
        #expect(lines.contains { $0.hasPrefix("run 1 stopped (stopped on request): ") })
        #expect(try terminal.exitStatus() == 0)
    }

    @Test(.liveTerminal) func aBackgroundRunThatEndsSaysSoAtTheNextPrompt() throws {
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == prompt }
        try terminal.send("probe o = sys_openat", "Enter")
        try terminal.send("run 300ms &", "Enter")
        try terminal.waitForScreen { $0.contains { $0.hasPrefix("run 1 started in the background") } }
        // Each prompt reports the runs that ended since the last one; press Enter until it has.
        let end = Date().addingTimeInterval(20)
        while try !terminal.screen().contains(where: { $0.hasPrefix("run 1 completed (duration reached): ") }) && Date() < end {
            try terminal.send("Enter")
            usleep(100_000)
        }
        let lines = try terminal.screen()
        #expect(lines.filter { $0.hasPrefix("run 1 completed") }.count == 1, "\(lines)")
        try terminal.send("C-d")
        #expect(try terminal.exitStatus() == 0)
    }
}

/// On a terminal, tables fit its width.
@Suite struct TerminalWidthTests {
    @Test(.terminal) func capsFitsAHundredColumnTerminal() throws {
        let terminal = try Terminal(environment: ["TRACESH_HISTORY": "/dev/null"])
        try terminal.waitForScreen { Terminal.lastLine($0) == "tracesh>" }
        try terminal.send("caps", "Enter")
        // Its reasons run past 200 characters: the row is cut with an ellipsis instead of
        // wrapping onto the next screen line.
        let lines = try terminal.waitForScreen { $0.contains { $0.hasPrefix("kernel_ebpf") } && Terminal.lastLine($0) == "tracesh>" }
        let row = try #require(lines.first { $0.hasPrefix("kernel_ebpf") })
        #expect(row.contains("…"), "\(row)")
        try terminal.send("C-d")
        #expect(try terminal.exitStatus() == 0)
    }
}
