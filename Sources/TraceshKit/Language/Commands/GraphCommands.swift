import TraceshModel
import TraceshFiles

/// The commands that build the session graph: probe, filter, agg, drop.
enum GraphCommands {
    static let all = [probe, filter, agg, drop]

    static let probe = CommandDeclaration(
        "probe", usage: "probe [NAME =] SPEC | probe [NAME =] use SPEC_NAME",
        summary: "Add a probe from a BCC trace.py-style spec, or one of the predefined specs ('list specs').",
        example: "probe rd = sys_read (arg3 > 1024) \"read %d bytes\", arg3",
        details: ["probe use test_sys_open adds the predefined spec of that name (5 s runs unless duration is set)."],
        completion: { position, previous in
            if previous.last == "use" { return [.words(BuiltinSpec.all.map(\.name))] }
            // `probe SPEC` or `probe NAME = SPEC`: the spec's first word.
            if position == 1 { return [.words(["use"]), .probeSpecs] }
            return position == 3 && previous.last == "=" ? [.words(["use"]), .probeSpecs] : []
        }
    ) { input in
        var name: String? = nil
        var spec = input.text
        if let scoped = input.scopedName(separator: "=") {
            name = scoped.name
            spec = scoped.rest
        }
        guard !spec.isEmpty else {
            throw Diagnostic("expected a probe spec (e.g. 'sys_read', 't:sched:sched_process_exec')", at: spec.endLocation)
        }
        let words = try WordScanner.words(spec)
        if words.first?.text == "use", !(words.first?.quoted ?? true) {
            guard words.count == 2 else {
                throw Diagnostic("expected one predefined spec name after 'use' ('list specs' shows them)", at: words.count > 2 ? words[2].location : spec.endLocation)
            }
            guard BuiltinSpec.named(words[1].text) != nil else {
                throw Diagnostic("no predefined spec '\(words[1].text)'" + Suggestions.didYouMean(words[1].text, in: BuiltinSpec.all.map(\.name))
                                 + " ('list specs' shows them)", at: words[1].location)
            }
            return .useProbe(name: name, builtin: words[1].text)
        }
        return .probe(name: name, spec: spec)
    }

    static let filter = CommandDeclaration(
        "filter", usage: "filter [PROBE:] EXPR",
        summary: "Keep only events where EXPR holds, on one probe or on all.",
        example: "filter rd: comm == \"nginx\" && pid != 1",
        completion: { position, _ in position == 1 ? [.probeScopes, .expressionNames] : [.expressionNames] }
    ) { input in
        let (probe, body) = input.splitScope()
        guard !body.isEmpty else {
            throw Diagnostic("expected a condition (e.g. 'comm == \"cat\"')", at: body.endLocation)
        }
        return .filter(Filter(probe: probe, condition: try ExpressionParser.parse(body)))
    }

    static let agg = CommandDeclaration(
        "agg", usage: "agg [PROBE:] FUNC [ARG] [by KEY, ...]",
        summary: "Aggregate in the kernel: count, sum, avg, min, max, hist, lhist(min, max, step).",
        example: "agg rd: hist arg3 by comm",
        completion: { position, previous in
            switch position {
            case 1: return [.probeScopes, .aggregationFunctions]
            case 2 where previous.last?.hasSuffix(":") == true: return [.aggregationFunctions]
            // After the function: its argument, `by`, and the keys.
            default: return previous.contains("by") ? [.expressionNames] : [.expressionNames, .words(["by"])]
            }
        }
    ) { input in
        .agg(try AggregationSyntax.parse(input))
    }

    static let drop = CommandDeclaration(
        "drop", usage: "drop NAME",
        summary: "Remove a probe and the filters and aggregations on it.",
        example: "drop rd",
        completion: { position, _ in position == 1 ? [.probes] : [] }
    ) { input in
        .drop(name: try CommandInput.identifier(try input.singleWord(), "probe name"))
    }
}
