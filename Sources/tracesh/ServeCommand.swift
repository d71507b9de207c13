import ArgumentParser
import Foundation
import Synchronization
import TraceshExporter
import TraceshKit

/// `tracesh serve FILE.trc [NAME=VALUE ...] [--listen ADDR:PORT]`: keeps the script's probes
/// running and serves their aggregations to Prometheus (`ProbeKeeper`, `MetricsServer`).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Keep a .trc script's probes running and export its aggregations to Prometheus.",
        discussion: """
        Serves the script's commands before its first 'run' (probes, filters, aggregations, settings; \
        the run and what follows are what the script does as a runbook). \
        Its in-kernel maps are read every 'set scrape-interval' (default 5s) without being cleared, \
        and GET /metrics serves them in the Prometheus text format: count and sum as counters, \
        avg/min/max as gauges, hist/lhist as histograms, 'by' keys as labels (at most 'set max-series' \
        label sets per metric, default 10000; further ones fold into 'other'). If bpftrace dies it is \
        started again with backoff and the counters carry on from their totals.

        The HTTP side is read-only: GET /metrics and GET / only. SIGTERM stops cleanly.

        EXAMPLES:
          tracesh serve examples/serve-opens.trc
          tracesh serve examples/serve-opens.trc --listen 0.0.0.0:9435
          tracesh serve examples/serve-opens.trc -e 'set scrape-interval 1s' -e 'filter opens: uid != 0'
        """
    )

    @Argument(help: ArgumentHelp("The .trc script to serve, then NAME=VALUE variables for it.", valueName: "script"))
    var arguments: [String]

    @Option(name: .long, help: ArgumentHelp("Where to listen: an IPv4 ADDRESS:PORT.", valueName: "address"))
    var listen = "127.0.0.1:9435"

    @Option(name: [.customShort("e"), .customLong("execute")], help: ArgumentHelp("Run COMMANDS after the script, e.g. a setting or a filter (repeatable).", valueName: "commands"))
    var commands: [String] = []

    func validate() throws {
        guard let script = arguments.first, !script.contains("=") || FileManager.default.fileExists(atPath: script) else {
            throw ValidationError("expected a .trc script to serve")
        }
        do {
            _ = try Interpreter.commandLineVariables(arguments.dropFirst())
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let script = arguments[0]
        let variables: [Setting]
        do {
            variables = try Interpreter.commandLineVariables(arguments.dropFirst())
        } catch {
            throw ValidationError(error.description)
        }
        let output = TerminalOutput()
        let interpreter = Interpreter(output: output, variables: variables, live: false)
        Signals.watch(runs: interpreter.runs, interactive: { false }, terminal: nil)
        func fail(_ message: String, status: Int32) -> ExitCode {
            writeAll(STDERR_FILENO, Array("tracesh serve: \(message)\n".utf8))
            interpreter.runs.shutdown()
            return ExitCode(status)
        }
        let source: String
        do {
            source = try ScriptSource.read(script)
        } catch let diagnostic as Diagnostic {
            output.report(diagnostic, origin: script, sourceLine: nil)
            throw ExitCode(2)
        }
        // The declarations: up to the script's first `run` (what follows is the runbook's).
        let declarations = ServeScript.declarations(of: source, variables: variables)
        if let line = declarations.runLine {
            writeAll(STDERR_FILENO, Array("tracesh serve: \(script): serving the commands before line \(line) ('run' and what follows are the runbook's)\n".utf8))
        }
        guard interpreter.run(source: declarations.source, origin: script) == .success else { throw fail("\(script) failed", status: 1) }
        // After the script, so that they adjust it: a setting, a filter on one of its probes.
        for (index, command) in commands.enumerated() {
            guard interpreter.run(source: command, origin: commands.count > 1 ? "-e[\(index + 1)]" : "-e") == .success else {
                throw fail("the commands given with -e failed", status: 1)
            }
        }
        guard interpreter.runs.all.isEmpty else {
            // A `run` given with -e, or in a loaded file.
            throw fail("a run was started (with -e or in a loaded file); 'serve' runs the probes itself", status: 2)
        }
        guard !interpreter.graph.probes.isEmpty else { throw fail("\(script) declares no probe", status: 2) }

        let server: MetricsServer
        do {
            server = try MetricsServer(listen: listen) { KeeperBox.shared.render() }
        } catch {
            throw fail("\(error)", status: 2)
        }
        let keeper: ProbeKeeper
        do {
            keeper = try ProbeKeeper(graph: interpreter.graph, catalog: interpreter.catalog, runs: interpreter.runs,
                                     version: TraceshCommand.version) { message in
                writeAll(STDERR_FILENO, Array("tracesh serve: \(message)\n".utf8))
            }
        } catch let diagnostic as Diagnostic {
            output.report(diagnostic, origin: script, sourceLine: nil)
            throw fail("bpftrace did not start", status: 1)
        }
        KeeperBox.shared.set(keeper)

        let listening = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        Task {
            do { try await server.run() } catch { failure.withLock { $0 = "cannot listen on \(listen): \(error)" } }
            listening.signal()
        }
        Task {
            try? await server.waitUntilListening()
            listening.signal()
        }
        listening.wait()
        if let message = failure.withLock({ $0 }) {
            keeper.stop()
            throw fail(message, status: 1)
        }
        writeAll(STDERR_FILENO, Array("tracesh serve: serving http://\(server.host):\(server.port)/metrics (scrape-interval \(Settings.scrapeInterval(interpreter.graph)))\n".utf8))
        // SIGTERM and SIGHUP end tracesh from the signal watcher (runs shut down, bpftrace gone);
        // Ctrl-C stops serving here.
        while !interpreter.runs.isInterrupted && !interpreter.runs.isClosed {
            usleep(100_000)
        }
        keeper.stop()
        let stopped = DispatchSemaphore(value: 0)
        Task {
            await server.stop()
            stopped.signal()
        }
        stopped.wait()
        throw ExitCode(interpreter.runs.isInterrupted ? 130 : 0)
    }
}

/// The keeper, once it exists, for the HTTP handler (which is made first, so that a bad
/// `--listen` fails before bpftrace starts).
final class KeeperBox: Sendable {
    static let shared = KeeperBox()
    private let keeper = Mutex<ProbeKeeper?>(nil)

    func set(_ keeper: ProbeKeeper) { self.keeper.withLock { $0 = keeper } }

    func render() -> String { keeper.withLock { $0 }?.exposition.render() ?? "" }
}
