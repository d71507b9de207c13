import Foundation

/// The commands about probes and the kernel: `show bpftrace`, `caps`, `list`.
extension Interpreter {
    /// The program a run would use now (with a fresh framing boundary; the sync probe is added
    /// at run time).
    func showBpftrace() throws {
        let program = try ProgramCompiler.compile(graph, catalog: catalog, options: CompileOptions(excludeTracer: Int64(getpid())))
        emit(.text(program.source))
    }

    func showCapabilities() {
        emit(.table(Capabilities.detect(catalog: catalog).table))
    }

    /// Tracepoints matching a glob (`sched:*`, `*open*`); all of them without a pattern.
    func listTracepoints(_ pattern: String?, at location: SourceLocation) throws {
        guard catalog.isReadable else {
            throw Diagnostic("cannot list tracepoints: tracefs is not mounted or not readable (try 'caps')", at: location)
        }
        let matches = catalog.tracepoints().filter { name in
            guard let pattern else { return true }
            return fnmatch(pattern, name, 0) == 0 || fnmatch(pattern, "t:" + name, 0) == 0
        }
        emit(.table(ResultTable(columns: ["tracepoint"], rows: matches.map { [.string($0)] })))
    }

    /// Compiles the graph as a run would, to find errors when a filter or aggregation is added.
    func checkCompiles(at location: SourceLocation) throws {
        guard catalog.isReadable, !graph.probes.isEmpty else { return }
        do {
            _ = try ProgramCompiler.compile(graph, catalog: catalog, options: CompileOptions())
        } catch var diagnostic as Diagnostic {
            diagnostic.location = diagnostic.location ?? location
            throw diagnostic
        }
    }
}
