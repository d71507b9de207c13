import Testing
@testable import TraceshKit

@Suite struct CommandParserTests {
    func parse(_ text: String) throws -> Command.Kind { try CommandParser.parse(LocatedText(text)).kind }

    func expectError(_ text: String, at column: Int, _ message: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(text)
            Issue.record("expected an error for \(text)", sourceLocation: sourceLocation)
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.location?.column == column, "\(text): \(diagnostic)", sourceLocation: sourceLocation)
            #expect(diagnostic.message.contains(message), "\(text): \(diagnostic)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func probeWithAndWithoutName() throws {
        guard case .probe(let name, let spec) = try parse("probe rd = sys_read (arg3 > 1024) \"read %d\", arg3") else {
            Issue.record("not a probe"); return
        }
        #expect(name == "rd")
        #expect(spec.string == "sys_read (arg3 > 1024) \"read %d\", arg3")
        #expect(spec.location(at: 0).column == 12)
        guard case .probe(nil, let bare) = try parse("probe t:sched:sched_process_exec") else { Issue.record("not a probe"); return }
        #expect(bare.string == "t:sched:sched_process_exec")
    }

    @Test func filterWithScope() throws {
        #expect(try parse("filter o: comm == \"cat\"") == .filter(Filter(probe: "o", condition: Expression(.binary(.equal, Expression(.identifier("comm")), Expression(.string("cat")))))))
        guard case .filter(let filter) = try parse("filter pid != 1") else { Issue.record("not a filter"); return }
        #expect(filter.probe == nil)
    }

    @Test func aggregationForms() throws {
        guard case .agg(let count) = try parse("agg count by comm, pid") else { Issue.record("not agg"); return }
        #expect(count.function == .count && count.argument == nil && count.keys.map(\.description) == ["comm", "pid"])
        guard case .agg(let lhist) = try parse("agg o: lhist(0, 100, 10) arg3") else { Issue.record("not agg"); return }
        #expect(lhist.probe == "o" && lhist.function == .lhist(min: 0, max: 100, step: 10) && lhist.argument?.description == "arg3")
        guard case .agg(let hist) = try parse("agg hist retval") else { Issue.record("not agg"); return }
        #expect(hist.function == .hist && hist.keys.isEmpty)
    }

    @Test func runForms() throws {
        #expect(try parse("run") == .run(RunRequest()))
        #expect(try parse("run 500ms") == .run(RunRequest(duration: TraceDuration(milliseconds: 500))))
        #expect(try parse("run 1.5s") == .run(RunRequest(duration: TraceDuration(milliseconds: 1500))))
        #expect(try parse("run 2m -- ls -l '/tmp dir' &") == .run(RunRequest(duration: .minutes(2), command: ["ls", "-l", "/tmp dir"], background: true)))
        #expect(try parse("run -- echo '&'") == .run(RunRequest(command: ["echo", "&"])))
        #expect(try parse("run 30s -p 12,34,12 &") == .run(RunRequest(duration: .seconds(30), background: true, processes: [12, 34])))
        #expect(try parse("run -p 7") == .run(RunRequest(processes: [7])))
        expectError("run 5s -p 12,x4", at: 14, "invalid process id 'x4'")
        expectError("run -p 0", at: 8, "invalid process id '0'")
        expectError("run -p", at: 7, "expected process ids after '-p'")
        expectError("run -p 12 -- ls", at: 5, "a run does one of them")
    }

    /// An unquoted `>` or `>>` after the command sends its standard output to a file.
    @Test func runOutputRedirections() throws {
        func output(_ text: String) throws -> (command: [String], redirection: OutputRedirection?) {
            guard case .run(let request) = try parse(text) else { throw Diagnostic("not a run", at: nil) }
            return (request.command, request.output)
        }
        let plain = try output("run -- cat /etc/hostname > /tmp/out.txt")
        #expect(plain.command == ["cat", "/etc/hostname"])
        #expect(plain.redirection == OutputRedirection(path: "/tmp/out.txt", append: false, location: SourceLocation(line: 1, column: 28)))
        let appended = try output("run 5s -- echo hi >>'~/my log' &")
        #expect(appended.command == ["echo", "hi"])
        #expect(appended.redirection?.path == "~/my log")
        #expect(appended.redirection?.append == true)
        let attached = try output("run -- echo hi >/tmp/x")
        #expect(attached.redirection?.path == "/tmp/x")
        #expect(attached.redirection?.location?.column == 17)
        // Quoted, '>' is the command's own argument.
        let quoted = try output("run -- echo '>' x")
        #expect(quoted.command == ["echo", ">", "x"])
        #expect(quoted.redirection == nil)
        let quotedName = try output("run -- echo hi >'>x'")
        #expect(quotedName.redirection == OutputRedirection(path: ">x", append: false, location: SourceLocation(line: 1, column: 17)))
    }

    @Test func otherCommands() throws {
        #expect(try parse("events 20 where pid == 3") == .events(limit: 20, condition: Expression(.binary(.equal, Expression(.identifier("pid")), Expression(.integer(3))))))
        #expect(try parse("events") == .events(limit: nil, condition: nil))
        #expect(try parse("top 5") == .top(limit: 5))
        #expect(try parse("events 3 from 2 where pid == 1") == .events(limit: 3, condition: Expression(.binary(.equal, Expression(.identifier("pid")), Expression(.integer(1)))), run: 2))
        #expect(try parse("top from 4") == .top(limit: nil, run: 4))
        #expect(try parse("stats from 1") == .stats(run: 1))
        #expect(try parse("results") == .results(run: nil))
        #expect(try parse("save run.db from 3") == .save(path: "run.db", run: 3))
        #expect(try parse("show") == .show(.graph))
        #expect(try parse("show bpftrace") == .show(.bpftrace))
        #expect(try parse("save \"my probes.trc\"") == .save(path: "my probes.trc"))
        #expect(try parse("source x.trc") == .load(path: "x.trc"))
        #expect(try parse("set max-events 10") == .set(name: "max-events", value: "10"))
        #expect(try parse("default pid 1") == .setDefault(name: "pid", value: "1"))
        #expect(try parse("exit") == .quit)
        #expect(try parse("help probe") == .help(topic: "probe"))
        #expect(try parse("suggest file not found") == .suggest(text: "file not found"))
        #expect(try parse("stop 2") == .stop(id: 2))
    }

    @Test func malformedCommandsGiveLocatedErrors() {
        expectError("prob sys_read", at: 1, "did you mean 'probe'")
        expectError("probe", at: 6, "expected a probe spec")
        expectError("filter o:", at: 10, "expected a condition")
        expectError("agg cnt by comm", at: 5, "did you mean 'count'")
        expectError("agg count arg1", at: 11, "'count' takes no argument")
        expectError("agg sum by comm", at: 9, "'sum' needs a value")
        expectError("agg lhist(10, 0, 1) arg1", at: 5, "min < max")
        expectError("agg count by", at: 13, "expected a key")
        expectError("run forever", at: 5, "invalid duration")
        expectError("run 5s --", at: 10, "expected a command after '--'")
        expectError("run 5s ls", at: 8, "unexpected 'ls'")
        expectError("run 5s > out.txt", at: 8, "it comes after the command")
        expectError("run > out.txt", at: 5, "it comes after the command")
        expectError("run -- cat a >", at: 14, "expected a file name after '>'")
        expectError("run -- cat a > b c", at: 18, "unexpected 'c' after the output file")
        expectError("run -- cat a > >> b", at: 16, "expected a file name after '>', found '>>'")
        expectError("run -- > b", at: 8, "expected a command after '--'")
        expectError("show everything", at: 6, "cannot show 'everything'")
        expectError("save", at: 5, "missing argument")
        expectError("save a b", at: 8, "expected 'from ID' after the file")
        expectError("set format", at: 11, "missing argument")
        expectError("set 9lives x", at: 5, "invalid name")
        expectError("default pid", at: 12, "missing argument; usage: default NAME VALUE")
        expectError("run 1.0005s", at: 5, "invalid duration '1.0005s'; use e.g. 500ms, 1.5s")
        expectError("stop x", at: 6, "expected a run id")
        expectError("events 0", at: 8, "positive count")
        expectError("events where", at: 13, "expected a condition")
        expectError("stats now", at: 7, "unexpected 'now'")
        expectError("save \"unterminated", at: 19, "unterminated string")
    }
}
