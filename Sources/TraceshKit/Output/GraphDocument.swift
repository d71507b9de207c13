import Foundation
import TraceshModel

/// The session graph as a structured document (for `show graph` in JSON) and as readable lines.
public enum GraphDocument {
    public static func json(_ graph: SessionGraph) -> JSONValue {
        .object([
            ("probes", .array(graph.probes.map { .object([("name", .string($0.name)), ("spec", .string($0.spec))]) })),
            ("filters", .array(graph.filters.map {
                .object([("probe", $0.probe.map(JSONValue.string) ?? .null), ("condition", .string($0.condition.description))])
            })),
            ("aggregations", .array(graph.aggregations.map {
                .object([
                    ("probe", $0.probe.map(JSONValue.string) ?? .null),
                    ("function", .string($0.function.description)),
                    ("argument", $0.argument.map { .string($0.description) } ?? .null),
                    ("keys", .array($0.keys.map { .string($0.description) })),
                ])
            })),
            ("settings", .object(graph.settings.map { ($0.name, .string($0.value)) })),
            ("variables", .object(graph.variables.map { ($0.name, .string($0.value)) })),
        ])
    }

    /// One row per declaration: `kind` (probe, filter, aggregation, setting, variable), the
    /// probe or name it belongs to, and its text.
    public static func table(_ graph: SessionGraph) -> ResultTable {
        var rows: [[JSONValue]] = []
        rows += graph.probes.map { [.string("probe"), .string($0.name), .string($0.spec)] }
        rows += graph.filters.map { [.string("filter"), $0.probe.map(JSONValue.string) ?? .string(""), .string($0.condition.description)] }
        rows += graph.aggregations.map { [.string("aggregation"), $0.probe.map(JSONValue.string) ?? .string(""), .string($0.body)] }
        rows += graph.settings.map { [.string("setting"), .string($0.name), .string($0.value)] }
        rows += graph.variables.map { [.string("variable"), .string($0.name), .string($0.value)] }
        return ResultTable(columns: ["kind", "name", "value"], rows: rows)
    }

    public static func text(_ graph: SessionGraph) -> String {
        var lines: [String] = []
        func section(_ title: String, _ items: [String]) {
            lines.append(title + ":" + (items.isEmpty ? " (none)" : ""))
            lines += items.map { "  " + $0 }
        }
        section("probes", graph.probes.map { "\($0.name) = \($0.spec)" })
        section("filters", graph.filters.map { ($0.probe.map { "\($0): " } ?? "(all): ") + $0.condition.description })
        section("aggregations", graph.aggregations.map { ($0.probe.map { "\($0): " } ?? "(all): ") + $0.body })
        section("settings", graph.settings.map { "\($0.name) = \($0.value)" })
        section("variables", graph.variables.map { "$\($0.name) = \($0.value)" })
        return lines.joined(separator: "\n")
    }
}
