import Foundation
import TraceshModel

/// JSON Lines: one JSON object per line for every result (a table gives one object per row).
public struct JSONLinesRenderer: ResultRenderer {
    public init() {}

    public func render(_ result: CommandResult) -> String {
        switch result {
        case .message(let text): return JSONWriter.serialize(.object([("message", .string(text))]))
        case .text(let text): return JSONWriter.serialize(.object([("text", .string(text))]))
        case .graph(let graph): return JSONWriter.serialize(GraphDocument.json(graph))
        case .document(let value): return JSONWriter.serialize(value)
        case .aggregation(let result): return JSONWriter.serialize(RunReport.aggregationJSON(result))
        case .table(let table):
            return table.rows.map { row in
                JSONWriter.serialize(.object(Array(zip(table.columns, row))))
            }.joined(separator: "\n")
        }
    }
}
