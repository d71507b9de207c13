import Foundation
import TraceshModel
import TraceshKernel
import TraceshLanguage
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshKit
import TraceshAgent

/// What each fuzz target feeds its input to. Nothing here runs bpftrace or writes outside a
/// private temporary folder: commands are only parsed, and only `filter`/`agg` commands and
/// probes built from agent requests are executed (they change the session graph, nothing else).
enum FuzzTargets {
    /// Lossy UTF-8: the readers take Swift strings; the scanner and recording targets get bytes.
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The command language: the script splitter (continuations, comments, quotes), `$NAME`
    /// expansion and the command parser on each command.
    static func command(_ bytes: [UInt8]) {
        for command in ScriptSplitter.split(text(bytes)) {
            _ = try? CommandParser.parse(command)
            if let expanded = try? VariableExpander.expand(command, lookup: { $0 == "pid" ? "1234" : $0 == "name" ? "x\"y" : nil }) {
                _ = try? CommandParser.parse(expanded.text)
            }
        }
    }

    /// trace.py specs: the spec parser, then (when it parses) the probe resolver against the
    /// fake catalog.
    static func spec(_ bytes: [UInt8]) {
        let line = text(bytes)
        guard let spec = try? SpecParser.parse(LocatedText(line)) else { return }
        let analyser = SessionAnalyser(catalog: FuzzFixtures.catalog)
        _ = try? analyser.analyse(ProbeDeclaration(name: "p", spec: line), spec: spec)
    }

    /// A session the expression and scanner targets build on: a syscall probe with a user
    /// string, a return probe, a tracepoint with fields and an aggregation.
    static let baseSession = """
        probe o = sys_openat "open %s flags %d", arg2@user, arg3
        probe r = r::sys_read "read %d", retval
        probe x = t:sched:sched_process_exec "exec %s %d", args->filename, args->pid
        agg o: count by comm
        agg r: hist retval
        """

    static func session() -> Interpreter? {
        let interpreter = Interpreter(output: CollectingOutput(), catalog: FuzzFixtures.catalog)
        guard interpreter.run(source: baseSession, origin: "fuzz") == .success else { return nil }
        return interpreter
    }

    /// Expressions: parsed alone, then as a session filter, a probe filter and an aggregation
    /// key through the semantic pass and the compiler (nothing runs).
    static func expression(_ bytes: [UInt8]) {
        // One line: the input is an expression, never a second command.
        let line = text(bytes).map { $0.isNewline ? " " : $0 }.map(String.init).joined()
        _ = try? ExpressionParser.parse(LocatedText(line))
        guard let interpreter = session() else { fatalError("the fuzz base session does not build") }
        for prefix in ["filter ", "filter o: ", "filter x: ", "agg r: sum ", "agg o: count by "] {
            guard let command = try? CommandParser.parse(LocatedText(prefix + line)) else { continue }
            switch command.kind {
            case .filter, .agg: _ = try? interpreter.execute(command)
            default: continue
            }
        }
        _ = try? ProgramCompiler.compile(interpreter.graph, catalog: FuzzFixtures.catalog, options: CompileOptions(framing: FuzzFixtures.framing))
    }

    /// The compiled program of the base session: what the scanner target's bytes are read as.
    static let program: CompiledProgram = {
        guard let interpreter = session(),
              let program = try? ProgramCompiler.compile(interpreter.graph, catalog: FuzzFixtures.catalog,
                                                         options: CompileOptions(framing: FuzzFixtures.framing)) else {
            fatalError("the fuzz base session does not compile")
        }
        return program
    }()

    /// Arbitrary bytes as bpftrace's standard output: the event scanner (fed in two pieces, cut
    /// where the first byte says) and the pipeline (filters, aggregation maps, statistics).
    static func scanner(_ bytes: [UInt8]) {
        var scanner = EventScanner(framing: program.framing)
        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 16, tracksIntervals: true)
        let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        scanner.feed(Array(bytes[..<cut])) { pipeline.consume($0) }
        scanner.feed(Array(bytes[cut...])) { pipeline.consume($0) }
        for record in scanner.finish() { pipeline.consume(record) }
        pipeline.noteDamagedRecords(scanner.damagedRecords)
        _ = pipeline.health
    }

    /// The folder the recording target writes its one file to (private, removed at exit).
    static let folder: String = {
        let path = NSTemporaryDirectory() + "tracesh-fuzz-\(getpid())"
        mkdir(path, 0o700)
        atexit { rmdir(NSTemporaryDirectory() + "tracesh-fuzz-\(getpid())") }
        return path
    }()

    /// A recording file: written out, then replayed by the `replay` command (the reader, the
    /// scanner, the pipeline and the run report).
    static func recording(_ bytes: [UInt8]) {
        let path = folder + "/input.rec"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { fatalError("cannot write \(path): errno \(errno)") }
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        defer { unlink(path) }
        let interpreter = Interpreter(output: CollectingOutput(), catalog: FuzzFixtures.catalog)
        _ = try? interpreter.execute(Command(.replay(path: path), keyword: "replay", at: .start))
        _ = try? interpreter.execute(Command(.stats(), keyword: "stats", at: .start))
        _ = try? interpreter.execute(Command(.events(limit: 5, condition: nil), keyword: "events", at: .start))
        _ = try? interpreter.execute(Command(.results(run: nil), keyword: "results", at: .start))
    }

    /// The agent's request JSON: decoded, each program planned, added to a session and compiled.
    static func agent(_ bytes: [UInt8]) {
        guard let request = try? AgentRequest.decode(Data(bytes)) else { return }
        for program in request.programs {
            guard let plan = try? AgentProgramPlan(program) else { continue }
            let interpreter = Interpreter(output: CollectingOutput(), catalog: FuzzFixtures.catalog)
            _ = try? interpreter.execute(Command(.probe(name: plan.probeName, spec: LocatedText(plan.spec)), keyword: "probe", at: .start))
            if let condition = plan.filter {
                _ = try? interpreter.execute(Command(.filter(Filter(probe: plan.probeName, condition: condition)), keyword: "filter", at: .start))
            }
            _ = try? ProgramCompiler.compile(interpreter.graph, catalog: FuzzFixtures.catalog, options: CompileOptions(framing: FuzzFixtures.framing))
        }
    }
}
