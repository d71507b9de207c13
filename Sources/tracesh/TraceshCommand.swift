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
          tracesh api < request.json                answer a diagnostic agent's request (see 'tracesh api --help')
          tracesh mcp                               an MCP server on stdio for AI agents (see 'tracesh mcp --help')
          tracesh serve probes.trc                  export a script's aggregations to Prometheus (see 'tracesh serve --help')
          echo 'help probe' | tracesh

        EXIT STATUS:
          0    every command succeeded (or 'quit' / Ctrl-D in the shell)
          1    a command failed (a script stops at the first failure unless 'set on-error continue')
          2    usage error: bad options or arguments to tracesh itself, or an unreadable script
          130  Ctrl-C in a batch (after the summaries of the runs it stopped)
          SIGTERM and SIGHUP stop every run, then end tracesh by the same signal (143, 129).

        SEE ALSO:
          'help' and 'help COMMAND' in the shell; docs/language.md and examples/*.trc in the
          source tree; bpftrace(8).
        """,
        version: version
    )

    /// Front ends of their own, chosen by the first argument (`tracesh api ...`). (A root command
    /// with positional arguments does not dispatch subcommands in swift-argument-parser.)
    static let frontEnds: [String: ParsableCommand.Type] = ["api": AgentAPICommand.self, "mcp": MCPCommand.self, "serve": ServeCommand.self]

    @Argument(help: ArgumentHelp("A .trc script to run, then NAME=VALUE variables for it.", valueName: "script"),
              completion: .file(extensions: ["trc"]))
    var arguments: [String] = []

    @Option(name: [.customShort("e"), .customLong("execute")], help: ArgumentHelp("Run COMMANDS (repeatable; runs before a script).", valueName: "commands"))
    var commands: [String] = []

    @Flag(name: [.customShort("i"), .customLong("interactive")], help: "Stay in the interactive shell after a script or -e.")
    var interactive = false

    @Option(name: .long, help: ArgumentHelp("Output format: table, json (JSON Lines) or csv.", valueName: "format"),
            completion: .list(OutputFormat.allCases.map(\.rawValue)))
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
        do {
            return (script, try Interpreter.commandLineVariables(rest))
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let (script, variables) = try scriptAndVariables()
        let output = TerminalOutput()
        // Events as they happen when someone watches: on by default when stdout is a terminal.
        let interpreter = Interpreter(output: output, variables: variables, format: format.flatMap(OutputFormat.init(rawValue:)),
                                      live: isatty(STDOUT_FILENO) == 1)
        Signals.watch(runs: interpreter.runs, interactive: { REPL.active.load(ordering: .sequentiallyConsistent) },
                      terminal: TerminalState())
        if isatty(STDERR_FILENO) == 1 { interpreter.progress = StatusLine.draw }
        // Tables fit the terminal (read each time: it may be resized); full width otherwise.
        interpreter.terminalWidth = { TerminalState.columns(of: STDOUT_FILENO) }
        // In place only when results and the status line share one terminal.
        if isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1 {
            let view = IntervalView()
            interpreter.intervalView = view.draw
        }
        let status = session(interpreter, script: script, output: output)
        // No run and no bpftrace outlives tracesh (nor their temporary files).
        interpreter.runs.shutdown()
        throw ExitCode(status)
    }

    /// Runs what the command line asks for; returns the exit status.
    private func session(_ interpreter: Interpreter, script: String?, output: TerminalOutput) -> Int32 {
        if let subcommand {
            // `tracesh caps`: a command of the language, run once.
            return interpreter.run(source: subcommand, origin: nil) == .failure ? 1 : 0
        }
        var ranBatch = false
        for (index, command) in commands.enumerated() {
            ranBatch = true
            let outcome = interpreter.run(source: command, origin: commands.count > 1 ? "-e[\(index + 1)]" : "-e")
            if let status = endOfBatch(interpreter, after: outcome) { return status }
        }
        if let script {
            ranBatch = true
            let source: String
            do {
                source = try ScriptSource.read(script)
            } catch let diagnostic as Diagnostic {
                output.report(diagnostic, origin: script, sourceLine: nil)
                return 2
            } catch {
                writeAll(STDERR_FILENO, Array("tracesh: \(error)\n".utf8))
                return 2
            }
            let outcome = interpreter.run(source: source, origin: script)
            if let status = endOfBatch(interpreter, after: outcome) { return status }
        }
        if !ranBatch || interactive {
            if isatty(STDIN_FILENO) == 1 {
                // Errors in the shell were shown as they happened; leaving it is a success.
                REPL(interpreter: interpreter, output: output).run()
                return 0
            } else if !ranBatch {
                guard let input = StandardInput.readAll(interruptedBy: interpreter.runs) else { return 130 }
                let outcome = interpreter.run(source: String(decoding: input, as: UTF8.self), origin: "<stdin>")
                if let status = endOfBatch(interpreter, after: outcome) { return status }
            }
        }
        return finishBatch(interpreter)
    }

    /// After one batch part (-e, script): the exit status when the batch ends here, else nil.
    private func endOfBatch(_ interpreter: Interpreter, after outcome: Interpreter.Outcome) -> Int32? {
        switch outcome {
        case .success:
            return nil
        case .failure:
            if interactive { return nil }
            // A failed script does not leave its background runs going, nor their results unseen.
            interpreter.stopActiveRuns()
            return 1
        case .quit, .interrupted:
            return finishBatch(interpreter)
        }
    }

    /// The end of a batch: waits for the runs still going and reports them (Ctrl-C stops them).
    /// A Ctrl-C at any point makes the status 130, after the summaries.
    private func finishBatch(_ interpreter: Interpreter) -> Int32 {
        interpreter.finishActiveRuns()
        if interpreter.runs.isInterrupted { return 130 }
        return interpreter.anyFailure ? 1 : 0
    }
}
