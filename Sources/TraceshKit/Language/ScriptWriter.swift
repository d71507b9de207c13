import TraceshModel
import TraceshFiles

/// Prints a session graph as a tracesh script that rebuilds the same graph when loaded.
public enum ScriptWriter {
    public static func script(for graph: SessionGraph, header: Bool = true) -> String {
        var lines: [String] = []
        if header { lines.append("#!/usr/bin/env tracesh") }
        for setting in graph.settings {
            lines.append("set \(setting.name) \(WordScanner.quote(setting.value))")
        }
        for variable in graph.variables {
            lines.append("set \(variable.name) \(WordScanner.quote(variable.value))")
        }
        for probe in graph.probes {
            lines.append("probe \(probe.name) = \(probe.spec)")
        }
        for filter in graph.filters {
            lines.append("filter " + scope(filter.probe) + filter.condition.description)
        }
        for aggregation in graph.aggregations {
            lines.append("agg " + aggregation.scopedBody)
        }
        return lines.map { $0 + "\n" }.joined()
    }

    private static func scope(_ probe: String?) -> String { probe.map { "\($0): " } ?? "" }
}
