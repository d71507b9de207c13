import Foundation
import TraceshModel

/// CSV (RFC 4180): every result is a header row and one row per record, fields quoted when they
/// need it, records separated by CRLF. (The interpreter puts an empty line between results.)
public struct CSVRenderer: ResultRenderer {
    public init() {}

    public func render(_ result: CommandResult) -> String {
        render(Self.table(for: result))
    }

    public func render(_ table: ResultTable) -> String {
        let lines = [table.columns.map(Self.field)] + table.rows.map { $0.map { Self.field($0.plainText) } }
        return lines.map { $0.joined(separator: ",") }.joined(separator: "\r\n")
    }

    /// Every result as rows under named columns.
    static func table(for result: CommandResult) -> ResultTable {
        switch result {
        case .table(let table):
            return table
        case .graph(let graph):
            return GraphDocument.table(graph)
        case .message(let text):
            return ResultTable(columns: ["message"], rows: [[.string(text)]])
        case .text(let text):
            return ResultTable(columns: ["text"], rows: [[.string(text)]])
        case .document(let value):
            return ResultTable(columns: ["json"], rows: [[.string(JSONWriter.serialize(value))]])
        case .aggregation(let result):
            return RunReport.aggregationTable(result)
        }
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix(" ") || text.hasSuffix(" ") else {
            return text
        }
        return "\"" + text.replacingQuotes() + "\""
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for character in self {
            if character == "\"" { out += "\"\"" } else { out.append(character) }
        }
        return out
    }
}
