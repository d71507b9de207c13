import CSV
import Foundation
import Testing

/// The batch front end, driven through the real `tracesh` binary (built by `scripts/test`).
@Suite struct BatchTests {
    @Test func saveThenLoadPrintsTheSameGraph() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("x.trc")
        let direct = try Tracesh.run(["-e", "probe o = sys_openat", "-e", #"filter o: comm == "cat""#, "-e", "show graph", "-e", "save \(path)"])
        #expect(direct.status == 0, "\(direct.stderr)")
        let loaded = try Tracesh.run(["-e", "load \(path)", "-e", "show graph"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let graph = direct.stdout.components(separatedBy: "\nsaved ").first ?? ""
        #expect(graph.contains(#"o: comm == "cat""#))
        #expect(loaded.stdout == graph + "\n")
    }

    @Test func aTypoOnLineThreeStopsTheScriptWithItsLocation() throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("script.trc")
        let marker = directory.path("line4.trc")
        try "#!/usr/bin/env tracesh\nprobe o = sys_openat\nfilter o: comm = \"cat\"\nsave \(marker)\n".write(toFile: script, atomically: true, encoding: .utf8)
        let result = try Tracesh.run([script], currentDirectory: directory.url)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("\(script):3:16: error: "), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "line 4 must not run")
    }

    @Test func scriptVariablesComeFromNameValueArguments() throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("vars.trc")
        try "probe o = sys_openat\nfilter o: pid == $target\nshow graph\n".write(toFile: script, atomically: true, encoding: .utf8)
        let result = try Tracesh.run([script, "target=1234"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("o: pid == 1234"))
    }

    /// `pid="1 || 1"` is one string value, not an always-true filter; the error names the variable.
    @Test func aVariableIsOneValueNeverOperators() throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("incident.trc")
        try "set on-error continue\nprobe o = sys_openat\nfilter o: pid == $pid\nshow graph\n".write(toFile: script, atomically: true, encoding: .utf8)
        let result = try Tracesh.run([script, "pid=1 || 1"])
        #expect(!result.stdout.contains("pid == 1 || 1"), "\(result.stdout)")
        if FileManager.default.fileExists(atPath: "/sys/kernel/tracing/available_events") {
            // With the kernel's catalog the filter is checked, and refused.
            #expect(result.status == 1)
            #expect(result.stderr.contains("\(script):3:") && result.stderr.contains("(where $pid is '1 || 1')"), "\(result.stderr)")
        } else {
            #expect(result.stdout.contains(#"o: pid == "1 || 1""#), "\(result.stdout)")
        }
    }

    /// `default pid 1` is the script's value unless the command line gives one; a script's
    /// `set` does not replace the command line's value either, and says so.
    @Test func theCommandLineWinsOverTheScriptsValue() throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("incident.trc")
        try "default pid 1\nset uid 0\nprobe o = sys_openat\nfilter o: pid == $pid && uid == $uid\nshow graph\n".write(toFile: script, atomically: true, encoding: .utf8)
        let bare = try Tracesh.run([script])
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(bare.stdout.contains("o: pid == 1 && uid == 0"))
        let given = try Tracesh.run([script, "pid=1234", "uid=1000"])
        #expect(given.status == 0, "\(given.stderr)")
        #expect(given.stdout.contains("o: pid == 1234 && uid == 1000"), "\(given.stdout)")
        #expect(given.stderr.contains("\(script):2:1: note: uid=1000 from the command line wins over 'set uid 0'"), "\(given.stderr)")
    }

    /// A script whose `$pid` falls back to trace.py's built-in gets a located note.
    @Test func aForgottenVariableFallingBackToABuiltinIsNoted() throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("incident.trc")
        try "probe o = sys_openat ($pid == 1)\n".write(toFile: script, atomically: true, encoding: .utf8)
        let result = try Tracesh.run([script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\(script):1:23: note: no variable 'pid' is set"), "\(result.stderr)")
    }

    @Test func fractionalDurations() throws {
        let result = try Tracesh.run(["-e", "set duration 1.5s", "-e", "show graph", "-e", "help run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("duration = 1500ms"))
    }

    @Test func commandsOnStandardInputRunWithoutPrompts() throws {
        let result = try Tracesh.run([], input: "set x 5\nprobe a = sys_read\nshow graph\n")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("probes:\n  a = sys_read"))
        #expect(!result.stdout.contains("tracesh>"))
    }

    @Test func usageErrorsExitTwoAndFailedCommandsExitOne() throws {
        #expect(try Tracesh.run(["--bogus"]).status == 2)
        #expect(try Tracesh.run(["--format", "xml", "-e", "help"]).status == 2)
        #expect(try Tracesh.run(["/nonexistent.trc"]).status == 2)
        #expect(try Tracesh.run(["-e", "frobnicate"]).status == 1)
        #expect(try Tracesh.run(["-e", "help", "-e", "quit", "-e", "frobnicate"]).status == 0)
    }

    @Test func jsonFormatGivesJSONLines() throws {
        let result = try Tracesh.run(["--format", "json", "-e", "probe o = sys_openat", "-e", "show graph"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((object?["probes"] as? [[String: Any]])?.first?["name"] as? String == "o")
    }

    @Test func versionAndHelp() throws {
        let version = try Tracesh.run(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("0."))
        let help = try Tracesh.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("EXIT STATUS") && help.stdout.contains("EXAMPLES"))
    }
}

/// `tracesh caps` on this machine.
@Suite struct CapabilitiesTests {
    @Test func capsReportsKprobesTracepointsAndUprobes() throws {
        let result = try Tracesh.run(["--format", "json", "caps"])
        #expect(result.status == 0, "\(result.stderr)")
        var rows: [String: [String: Any]] = [:]
        for line in result.stdout.split(separator: "\n") {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            rows[row["capability"] as? String ?? ""] = row
        }
        // What the kernel really offers decides the expected answer; on this machine (no
        // kprobe_events) kprobes must be reported missing, with a reason and a fix.
        let hasKprobes = FileManager.default.fileExists(atPath: "/sys/kernel/tracing/kprobe_events")
        let kprobes = try #require(rows["kprobes"])
        #expect(kprobes["available"] as? Bool == hasKprobes)
        if !hasKprobes {
            #expect((kprobes["reason"] as? String)?.contains("no kprobes") == true)
            #expect((kprobes["fix"] as? String)?.contains("sys_read") == true)
        }
        if FileManager.default.fileExists(atPath: "/sys/kernel/tracing/available_events") {
            #expect(rows["tracepoints"]?["available"] as? Bool == true)
            #expect(rows["uprobes"]?["available"] as? Bool == FileManager.default.fileExists(atPath: "/sys/kernel/tracing/uprobe_events"))
        } else {
            // The tracepoint rows cannot be checked without tracefs: a failure only where CI
            // requires the machine to be complete.
            #expect(!LiveRequirement.isRequired, "tracefs is not mounted (TRACESH_REQUIRE_LIVE=1)")
        }
    }
}

/// Options of the front end are not part of the session.
@Suite struct FrontEndOptionTests {
    @Test func formatGivenOnTheCommandLineIsNotSaved() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("s.trc")
        let saved = try Tracesh.run(["--format", "csv", "-e", "probe o = sys_openat", "-e", "save \(path)"])
        #expect(saved.status == 0, "\(saved.stderr)")
        let script = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!script.contains("format"), "\(script)")
        // A `set format` made in the session is part of it, and is saved.
        let set = try Tracesh.run(["--format", "csv", "-e", "set format json", "-e", "save \(path)"])
        #expect(set.status == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("set format json"))
    }
}

/// `--format csv` and `--format json` hold for what a run prints, aggregations included.
@Suite struct RunOutputFormatTests {
    @Test(.live) func anAggregationAfterARunIsCSV() throws {
        let result = try Tracesh.run(["--format", "csv", "-e", "probe r = sys_read", "-e", "agg r: sum arg3 by comm", "-e", "agg r: hist arg3", "-e", "run 300ms"])
        #expect(result.status == 0, "\(result.stderr)")
        let reader = try CSVReader(string: result.stdout, hasHeaderRow: false)
        var headers: [[String]] = []
        var expectHeader = true
        while let row = reader.next() {
            if row == [""] { expectHeader = true; continue }
            if expectHeader { headers.append(row); expectHeader = false }
        }
        #expect(headers == [["message"], ["comm", "sum"], ["low", "high", "count"]], "\(result.stdout)")
    }
}
