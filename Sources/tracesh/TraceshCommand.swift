import ArgumentParser
import Foundation
import TraceshKit

/// The `tracesh` command line: decides between a script, `-e`, standard input and the REPL.
struct TraceshCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tracesh",
        abstract: "A tracing shell: probe, filter, run, aggregate and save, over bpftrace.",
        discussion: """
        Runs a .trc script, the commands given with -e, the commands on standard input when it
        is not a terminal, or an interactive shell (line editing, history, Tab completion).

        EXAMPLES:
          tracesh                                   interactive shell
          tracesh incident.trc pid=1234             run a script with $pid set to 1234
          tracesh -e 'probe sys_openat' -e 'show graph'
          tracesh -e 'probe o = sys_openat "open %s", arg2@user' -e 'agg count by comm' -e 'run 5s'
          tracesh caps                              what this machine can trace
          echo 'help probe' | tracesh

        EXIT STATUS:
          0  every command succeeded
          1  a command failed (a script stops at the first failure unless 'set on-error continue')
          2  usage error: bad options or arguments to tracesh itself
        """,
        version: version
    )

    @Argument(help: ArgumentHelp("A .trc script to run, then NAME=VALUE variables for it.", valueName: "script"))
    var arguments: [String] = []

    @Option(name: [.customShort("e"), .customLong("execute")], help: ArgumentHelp("Run COMMANDS (repeatable; runs before a script).", valueName: "commands"))
    var commands: [String] = []

    @Flag(name: [.customShort("i"), .customLong("interactive")], help: "Stay in the interactive shell after a script or -e.")
    var interactive = false

    @Option(name: .long, help: ArgumentHelp("Output format: table, json (JSON Lines) or csv.", valueName: "format"))
    var format: String?

    func validate() throws {
        if let format, OutputFormat(rawValue: format) == nil {
            throw ValidationError("--format must be table, json or csv, not '\(format)'")
        }
        for argument in arguments.dropFirst() where !argument.contains("=") {
            throw ValidationError("expected NAME=VALUE after the script, found '\(argument)'")
        }
    }

    /// The script path (if any) and the variables given as NAME=VALUE.
    /// Words that run one command instead of a script when no file of that name exists.
    static let subcommands = ["caps"]

    /// `tracesh caps` and the like: the command to run, when the first argument is one.
    var subcommand: String? {
        guard arguments.count == 1, let first = arguments.first, Self.subcommands.contains(first),
              !FileManager.default.fileExists(atPath: first) else { return nil }
        return first
    }

    func scriptAndVariables() throws -> (script: String?, variables: [Setting]) {
        if subcommand != nil { return (nil, []) }
        var rest = arguments[...]
        var script: String? = nil
        if let first = rest.first, !first.contains("=") || FileManager.default.fileExists(atPath: first) {
            script = first
            rest = rest.dropFirst()
        }
        var variables: [Setting] = []
        for assignment in rest {
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard let first = name.first, first == "_" || first.isLetter,
                  name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            else {
                throw ValidationError("invalid variable name '\(name)' in '\(assignment)'")
            }
            variables.append(Setting(name: name, value: String(parts[1])))
        }
        return (script, variables)
    }

    func run() throws {
        let (script, variables) = try scriptAndVariables()
        let output = TerminalOutput()
        let interpreter = Interpreter(output: output, variables: variables, format: format.flatMap(OutputFormat.init(rawValue:)))
        Interrupts.install(runs: interpreter.runs) { REPL.active.load(ordering: .sequentiallyConsistent) }
        if isatty(STDERR_FILENO) == 1 { interpreter.progress = StatusLine.draw }
        if let subcommand {
            // `tracesh caps`: a command of the language, run once.
            let outcome = interpreter.run(source: subcommand, origin: nil)
            throw ExitCode(outcome == .failure ? 1 : 0)
        }

        var ranBatch = false
        for (index, command) in commands.enumerated() {
            ranBatch = true
            let outcome = interpreter.run(source: command, origin: commands.count > 1 ? "-e[\(index + 1)]" : "-e")
            if outcome == .quit { throw ExitCode(interpreter.anyFailure ? 1 : 0) }
            if outcome == .failure && !interactive { throw ExitCode(1) }
        }
        if let script {
            ranBatch = true
            let source: String
            do {
                source = try ScriptSource.read(script)
            } catch let diagnostic as Diagnostic {
                output.report(diagnostic, origin: script, sourceLine: nil)
                throw ExitCode(2)
            } catch {
                FileHandle.standardError.write(Data("tracesh: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let outcome = interpreter.run(source: source, origin: script)
            if outcome == .quit { throw ExitCode(interpreter.anyFailure ? 1 : 0) }
            if outcome == .failure && !interactive { throw ExitCode(1) }
        }
        if !ranBatch || interactive {
            if isatty(STDIN_FILENO) == 1 {
                // Errors in the shell were shown as they happened; leaving it is a success.
                REPL(interpreter: interpreter, output: output).run()
                return
            } else if !ranBatch {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                interpreter.run(source: String(decoding: data, as: UTF8.self), origin: "<stdin>")
            }
        }
        if interpreter.anyFailure { throw ExitCode(1) }
    }
}
