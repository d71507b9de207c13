import Foundation
import Testing
@testable import TraceshKit

@Suite struct InterpreterTests {
    @Test func anUnknownProcessIdIsAnErrorAtTheRunCommandBeforeAnythingStarts() {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        // Above any pid_max (at most 2^22), so no process can have it.
        let outcome = interpreter.run(source: "probe a = sys_read\nrun 5s -p \(getpid()),2147483646\n", origin: "attach.trc")
        #expect(outcome == .failure)
        #expect(output.diagnostics == ["attach.trc:2:1: error: no process has id 2147483646"])
        #expect(interpreter.runs.all.isEmpty, "no run may start")
    }

    @Test func scriptStopsAtTheFirstErrorWithFileLineAndColumn() {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: "probe a = sys_read\nset x 1\nfilter a: pid === 3\nprobe b = sys_write\n", origin: "script.trc")
        #expect(outcome == .failure)
        #expect(output.diagnostics == ["script.trc:3:17: error: expected an expression, found '='"])
        #expect(interpreter.graph.probes.map(\.name) == ["a"], "line 4 must not run")
        #expect(interpreter.graph.variable("x") == "1")
    }

    @Test func onErrorContinueKeepsGoingButStillFails() {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        let outcome = interpreter.run(source: "set on-error continue\nbogus\nprobe b = sys_write\n", origin: "s.trc")
        #expect(outcome == .failure)
        #expect(interpreter.anyFailure)
        #expect(interpreter.graph.probes.map(\.name) == ["b"])
    }

    @Test func variablesExpandAndSettingsValidate() {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, variables: [Setting(name: "target", value: "42")])
        #expect(interpreter.run(source: "probe p = sys_read\nfilter p: pid == $target", origin: nil) == .success)
        #expect(interpreter.graph.filters.first?.condition.description == "pid == 42")
        #expect(interpreter.run(source: "set format xml", origin: nil) == .failure)
        #expect(output.diagnostics.last == "1:1: error: format must be table, json or csv, not 'xml'")
        #expect(interpreter.run(source: "set max-duration 11m", origin: nil) == .failure)
        #expect(interpreter.run(source: "set max-duration 1m\nset duration 2m", origin: nil) == .failure)
        #expect(output.diagnostics.last?.contains("longer than max-duration 1m") == true)
        #expect(interpreter.run(source: "set max-evnts 3", origin: nil) == .failure)
        #expect(output.diagnostics.last?.contains("did you mean 'max-events'") == true)
    }

    @Test func dropRemovesTheProbeAndWhatHangsOnIt() {
        let interpreter = Interpreter(output: CollectingOutput())
        interpreter.run(source: "probe a = sys_read\nprobe b = sys_write\nfilter a: pid == 1\nagg a: count by comm\nagg count\ndrop a", origin: nil)
        #expect(interpreter.graph.probes.map(\.name) == ["b"])
        #expect(interpreter.graph.filters.isEmpty)
        #expect(interpreter.graph.aggregations.count == 1)
    }

    @Test func scopesMustNameExistingProbes() {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: "probe open = sys_openat\nfilter opne: pid == 1", origin: nil) == .failure)
        #expect(output.diagnostics.last == "2:1: error: no probe named 'opne'; did you mean 'open'?")
    }

    @Test func saveThenLoadRebuildsTheGraph() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracesh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("x.trc").path

        let first = Interpreter(output: CollectingOutput())
        #expect(first.run(source: "probe o = sys_openat\nfilter o: comm == \"cat\"\nagg o: count by comm\nset format json\nset who \"a b\"\nsave \(path)", origin: nil) == .success)
        let second = Interpreter(output: CollectingOutput())
        #expect(second.run(source: "load \(path)", origin: nil) == .success)
        #expect(second.graph == first.graph)
    }

    @Test func loadReportsErrorsInTheLoadedFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).trc").path
        try "probe a = sys_read\n\nagg a: cont\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: "load \(path)\nprobe b = sys_write", origin: "main.trc") == .failure)
        #expect(output.diagnostics == ["\(path):3:8: error: expected an aggregation function (count, sum, avg, min, max, hist, lhist(min, max, step)), found 'cont'; did you mean 'count'?"])
        #expect(interpreter.graph.probe(named: "b") == nil)
    }

    @Test func missingFileIsAClearError() {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output)
        #expect(interpreter.run(source: "load /nonexistent/x.trc", origin: nil) == .failure)
        #expect(output.diagnostics.last == "1:1: error: cannot read '/nonexistent/x.trc': No such file or directory")
    }

    @Test func quitStopsTheScript() {
        let interpreter = Interpreter(output: CollectingOutput())
        #expect(interpreter.run(source: "probe a = sys_read\nquit\nprobe b = sys_write", origin: nil) == .quit)
        #expect(interpreter.graph.probes.count == 1)
    }

    @Test func helpRendersEveryCommandAndSettingFromTheRegistry() {
        for declaration in CommandRegistry.declarations {
            let output = CollectingOutput()
            #expect(Interpreter(output: output).run(source: "help \(declaration.name)", origin: nil) == .success)
            #expect(output.text.hasPrefix("usage: \(declaration.usage)\n\n\(declaration.summary)"), "\(output.text)")
            #expect(output.text.contains("example:\n  \(declaration.example)"))
            for alias in declaration.aliases {
                let aliased = CollectingOutput()
                #expect(Interpreter(output: aliased).run(source: "help \(alias)", origin: nil) == .success)
                #expect(aliased.text == output.text)
            }
        }
        for setting in Settings.all {
            let output = CollectingOutput()
            #expect(Interpreter(output: output).run(source: "help \(setting.name)", origin: nil) == .success)
            #expect(output.text.hasPrefix("setting: \(setting.name) \(setting.valueShape) (default \(setting.defaultValue))"), "\(output.text)")
            #expect(output.text.contains(setting.summary))
        }
        let overview = CollectingOutput()
        #expect(Interpreter(output: overview).run(source: "help", origin: nil) == .success)
        for declaration in CommandRegistry.declarations {
            #expect(overview.text.contains("  \(declaration.usage) ") && overview.text.contains(declaration.summary))
        }
        #expect(overview.text.contains(Settings.names.joined(separator: ", ")))
        let unknown = CollectingOutput()
        #expect(Interpreter(output: unknown).run(source: "help max-evnts", origin: nil) == .failure)
        #expect(unknown.diagnostics.last == "1:1: error: no command or setting 'max-evnts'; did you mean 'max-events'?")
    }

    @Test func jsonFormatPrintsOneObjectPerLine() {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, format: .json)
        interpreter.run(source: "probe o = sys_openat\nshow graph", origin: nil)
        #expect(output.lines.last == #"{"probes":[{"name":"o","spec":"sys_openat"}],"filters":[],"aggregations":[],"settings":{},"variables":{}}"#)
        // The front end's format is not a setting of the session (so `save` does not write it).
        #expect(interpreter.graph.settings.isEmpty)
    }
}
