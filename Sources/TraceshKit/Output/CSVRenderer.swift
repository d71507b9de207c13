import Foundation

/// CSV (RFC 4180): a header row, then one row per record; fields quoted when they need it.
public struct CSVRenderer: ResultRenderer {
    public init() {}

    public func render(_ result: CommandResult) -> String {
        switch result {
        case .table(let table):
            let lines = [table.columns.map(Self.field)] + table.rows.map { $0.map { Self.field($0.plainText) } }
            return lines.map { $0.joined(separator: ",") }.joined(separator: "\r\n")
        case .graph(let graph):
            return TableRenderer().render(.graph(graph))
        case .message(let text), .text(let text):
            return text
        case .document(let value):
            return JSONWriter.serialize(value)
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
