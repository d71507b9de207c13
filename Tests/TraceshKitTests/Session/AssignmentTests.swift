import Testing
@testable import TraceshKit

/// `set`, `default` and NAME=VALUE from the command line: the command line wins over a script.
@Suite struct AssignmentTests {
    func interpreter(_ variables: [String: String] = [:]) -> (Interpreter, CollectingOutput) {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, variables: variables.map { Setting(name: $0.key, value: $0.value) },
                                      catalog: KernelCatalog(tracefs: "/nonexistent"))
        return (interpreter, output)
    }

    @Test func defaultSetsOnlyWhatIsUnset() {
        let (given, _) = interpreter(["pid": "1234"])
        #expect(given.run(source: "default pid 1\nprobe o = sys_openat\nfilter o: pid == $pid", origin: "incident.trc") == .success)
        #expect(given.graph.filters.first?.condition.description == "pid == 1234")

        let (bare, _) = interpreter()
        #expect(bare.run(source: "default pid 1\nprobe o = sys_openat\nfilter o: pid == $pid", origin: "incident.trc") == .success)
        #expect(bare.graph.filters.first?.condition.description == "pid == 1")
        #expect(bare.run(source: "default format json\ndefault format csv", origin: "x.trc") == .success)
        #expect(bare.graph.setting("format") == "json")
        #expect(bare.run(source: "default format xml", origin: "x.trc") == .failure)
    }

    @Test func theCommandLineWinsOverAScriptsSetWithANote() {
        let (interpreter, output) = interpreter(["pid": "1234"])
        #expect(interpreter.run(source: "set pid 1\nprobe o = sys_openat\nfilter o: pid == $pid", origin: "incident.trc") == .success)
        #expect(interpreter.graph.filters.first?.condition.description == "pid == 1234")
        #expect(output.diagnostics == ["incident.trc:1:1: note: pid=1234 from the command line wins over 'set pid 1'; write 'default pid 1' for a value the command line may override"])
        // In the shell the user's own `set` is newest and wins.
        #expect(interpreter.run(source: "set pid 7", origin: nil) == .success)
        #expect(interpreter.graph.variable("pid") == "7")
    }

    /// A runbook's `default duration 10s` then `run $duration` (every example): `$duration` is the
    /// setting's value, and `duration=` on the command line is that setting, winning over the
    /// script's `default` and `set` alike. On 27ef842 `$duration` was undefined without `duration=`.
    @Test func dollarSettingIsTheSettingsValueWhichTheCommandLineGives() throws {
        let (bare, _) = interpreter()
        #expect(bare.run(source: "default duration 10s\nset seen $duration", origin: "x.trc") == .success)
        #expect(bare.graph.variable("seen") == "10s")
        #expect(bare.graph.setting("duration") == "10s")

        let (given, output) = interpreter(["duration": "2s"])
        #expect(given.run(source: "default duration 10s\nset seen $duration\nset duration 5s\nset again $duration", origin: "x.trc") == .success)
        #expect(given.graph.variable("seen") == "2s" && given.graph.variable("again") == "2s")
        #expect(given.graph.setting("duration") == "2s" && given.graph.variable("duration") == nil)
        #expect(output.diagnostics == ["x.trc:3:1: note: duration=2s from the command line wins over 'set duration 5s'; write 'default duration 5s' for a value the command line may override"])
        // In the shell the user's own `set` wins.
        #expect(given.run(source: "set duration 5s", origin: nil) == .success)
        #expect(given.graph.setting("duration") == "5s")

        #expect(problem(["duration=soon"])?.hasPrefix("duration=soon: ") == true)
        #expect(try Interpreter.commandLineVariables(["duration=3s", "pid=x", "path=a=b"]) ==
                [Setting(name: "duration", value: "3s"), Setting(name: "pid", value: "x"), Setting(name: "path", value: "a=b")])
    }

    /// `tracesh SCRIPT NAME=VALUE` and `tracesh serve SCRIPT NAME=VALUE` read their arguments with
    /// one function: serve's own copy took `1x=2` and `-=3` as names.
    @Test func commandLineVariablesAreNamesWithValues() {
        #expect(problem(["1x=2"]) == "invalid variable name '1x' in '1x=2'")
        #expect(problem(["-=3"]) == "invalid variable name '-' in '-=3'")
        #expect(problem(["=3"]) == "invalid variable name '' in '=3'")
        #expect(problem(["loose"]) == "expected NAME=VALUE, found 'loose'")
        #expect(problem(["é=1"]) == "invalid variable name 'é' in 'é=1'")
    }

    private func problem(_ assignments: [String]) -> String? {
        do {
            _ = try Interpreter.commandLineVariables(assignments)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func bracedDefaultInAScript() {
        let (interpreter, _) = interpreter(["pid": "99"])
        #expect(interpreter.run(source: "probe o = sys_openat\nfilter o: pid == ${pid:-1} && uid == ${uid:-0}", origin: "x.trc") == .success)
        #expect(interpreter.graph.filters.first?.condition.description == "pid == 99 && uid == 0")
    }

    @Test func aScriptsBuiltinFallbackIsNotedButTheShellsIsNot() {
        let (interpreter, output) = interpreter()
        #expect(interpreter.run(source: "\nprobe o = sys_read ($pid == 1)", origin: "incident.trc") == .success)
        #expect(output.diagnostics.count == 1)
        #expect(output.diagnostics.first?.hasPrefix("incident.trc:2:21: note: no variable 'pid' is set, so '$pid' is trace.py's built-in") == true)
        #expect(interpreter.run(source: "probe r = sys_read ($pid == 1)", origin: nil) == .success)
        #expect(output.diagnostics.count == 1)
    }

    /// An error in a command that used variables says what they held.
    @Test func anErrorNamesTheVariablesOfItsCommand() {
        let (interpreter, output) = interpreter(["lib": "a b"])
        #expect(interpreter.run(source: "probe u:$lib:malloc", origin: "x.trc") == .failure)
        #expect(output.diagnostics.last?.hasPrefix("x.trc:1:9: error: variable '$lib' is 'a b'") == true)
    }

    @Test func fractionalDurationsAreSavedInMilliseconds() {
        let (interpreter, _) = interpreter()
        #expect(interpreter.run(source: "set duration 1.5s", origin: nil) == .success)
        #expect(interpreter.graph.setting("duration") == "1500ms")
        #expect(ScriptWriter.script(for: interpreter.graph, header: false) == "set duration 1500ms\n")
    }
}
