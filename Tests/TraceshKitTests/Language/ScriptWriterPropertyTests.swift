import PropertyBased
import Testing
@testable import TraceshKit

/// Save-then-load is the identity on session graphs: writing a graph as a script and running
/// that script in a fresh session rebuilds an equal graph.
@Suite struct ScriptWriterPropertyTests {
    @Test func saveThenLoadIsTheIdentity() async {
        await propertyCheck(count: 300, input: GraphGenerator.graph) { graph in
            let script = ScriptWriter.script(for: graph)
            let output = CollectingOutput()
            // The graph is a value: checking it against the kernel is not what this property is about.
            let interpreter = Interpreter(output: output, catalog: KernelCatalog(tracefs: "/nonexistent"))
            let outcome = interpreter.run(source: script, origin: "saved.trc")
            #expect(outcome == .success, "\(output.diagnostics)\n\(script)")
            #expect(interpreter.graph == graph, "\(script)")
        }
    }

    @Test func printedExpressionsParseBackEqual() async {
        await propertyCheck(count: 500, input: GraphGenerator.expressionGenerator) { expression in
            let text = expression.description
            let parsed = try? ExpressionParser.parse(LocatedText(text))
            #expect(parsed == expression, "\(text)")
        }
    }
}

/// Random session graphs: probes with realistic specs, filters and aggregations with random
/// expressions (strings with quotes, escapes, `#`, `;`, `$`, non-ASCII), settings and variables.
enum GraphGenerator {
    static let specs = [
        "sys_read", "r::sys_openat", "t:sched:sched_process_exec", "sys_read (arg3 > 1024) \"read %d bytes\", arg3",
        "u:/lib/x86_64-linux-gnu/libc.so.6:malloc \"size %d\", arg1", "sys_write \"a;b # c \\\" %d\", arg3",
        "p::sys_openat (STRCMP(\"cat\", $comm)) \"open %s\", arg2@user", "c:malloc",
    ]
    static let identifiers = ["pid", "tid", "uid", "comm", "cpu", "arg1", "arg3", "retval", "message", "gid"]
    static let strings = ["cat", "a\"b", "back\\slash", "tab\there", "new\nline", "50%s", "pipe|comma,", "#hash;semi", "$dollar", "naïve ü", "\u{1}ctl"]

    static let expressionGenerator = Generator<Expression, Shrink.None<Expression>> { rng in
        expression(depth: 3, using: &rng)
    }

    static let graph = Generator<SessionGraph, Shrink.None<SessionGraph>> { rng in
        var graph = SessionGraph()
        let probeCount = Int.random(in: 0...4, using: &rng)
        for index in 0..<probeCount {
            graph.probes.append(ProbeDeclaration(name: "p\(index)_\(Int.random(in: 0...99, using: &rng))", spec: specs.randomElement(using: &rng)!))
        }
        graph.probes = graph.probes.reduce(into: []) { unique, probe in
            if !unique.contains(where: { $0.name == probe.name }) { unique.append(probe) }
        }
        func scope() -> String? {
            guard !graph.probes.isEmpty, Bool.random(using: &rng) else { return nil }
            return graph.probes.randomElement(using: &rng)!.name
        }
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            graph.filters.append(Filter(probe: scope(), condition: expression(depth: 3, using: &rng)))
        }
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let functions: [AggregationFunction] = [.count, .sum, .avg, .min, .max, .hist, .lhist(min: 0, max: 100, step: 5)]
            let function = functions.randomElement(using: &rng)!
            let keys = (0..<Int.random(in: 0...2, using: &rng)).map { _ in expression(depth: 1, using: &rng) }
            graph.aggregations.append(Aggregation(
                probe: scope(), function: function,
                argument: function.takesArgument ? expression(depth: 2, using: &rng) : nil, keys: keys))
        }
        let settings = [("format", ["table", "json", "csv"]), ("max-events", ["1", "500"]), ("on-error", ["stop", "continue"]), ("duration", ["500ms", "1500ms", "10s", "2m"]), ("max-duration", ["90s", "10m"])]
        for (name, values) in settings where Bool.random(using: &rng) {
            graph.setSetting(name, values.randomElement(using: &rng)!)
        }
        for index in 0..<Int.random(in: 0...2, using: &rng) {
            graph.setVariable("v\(index)", strings.randomElement(using: &rng)!)
        }
        return graph
    }

    static func expression(depth: Int, using rng: inout any SeededRandomNumberGenerator) -> Expression {
        let leafOnly = depth == 0
        switch Int.random(in: 0..<(leafOnly ? 5 : 10), using: &rng) {
        case 0: return Expression(.integer(Int64.random(in: -1000...100_000, using: &rng)))
        case 1: return Expression(.string(strings.randomElement(using: &rng)!))
        case 2: return Expression(.identifier(identifiers.randomElement(using: &rng)!))
        case 3: return Expression(.builtin(["pid", "tgid", "uid"].randomElement(using: &rng)!))
        case 4: return Expression(.field(["filename", "count", "ret"].randomElement(using: &rng)!))
        case 5:
            let inner = expression(depth: depth - 1, using: &rng)
            let op = [UnaryOperator.not, .negate, .bitwiseNot].randomElement(using: &rng)!
            if op == .negate, case .integer = inner.kind { return Expression(.unary(.not, inner)) }
            return Expression(.unary(op, inner))
        case 6: return Expression(.userString(expression(depth: depth - 1, using: &rng)))
        case 7: return Expression(.call(["STRCMP", "contains"].randomElement(using: &rng)!, [expression(depth: depth - 1, using: &rng), expression(depth: depth - 1, using: &rng)]))
        case 8: return Expression(.cast(["int", "unsigned long", "char*"].randomElement(using: &rng)!, expression(depth: depth - 1, using: &rng)))
        default:
            let op = BinaryOperator.allCases.randomElement(using: &rng)!
            return Expression(.binary(op, expression(depth: depth - 1, using: &rng), expression(depth: depth - 1, using: &rng)))
        }
    }
}
