import Foundation
import TraceshModel

/// Human-readable output: aligned columns, messages and text as they are.
public struct TableRenderer: ResultRenderer {
    public init() {}

    public func render(_ result: CommandResult) -> String {
        switch result {
        case .message(let text), .text(let text): return text
        case .graph(let graph): return GraphDocument.text(graph)
        case .document(let value): return JSONWriter.serialize(value)
        case .table(let table): return render(table)
        case .aggregation(let result): return RunReport.aggregationText(result)
        }
    }

    public func render(_ table: ResultTable) -> String {
        let cells = table.rows.map { row in row.map { Self.cell($0.plainText) } }
        var widths = table.columns.map(\.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ values: [String]) -> String {
            var text = ""
            for (index, value) in values.enumerated() {
                let isLast = index == values.count - 1
                text += isLast ? value : value + String(repeating: " ", count: max(0, widths[index] - value.count) + 2)
            }
            return text
        }
        var lines: [String] = []
        if let title = table.title { lines.append(title) }
        lines.append(line(table.columns.map { $0.uppercased() }))
        lines += cells.map(line)
        if cells.isEmpty { lines.append("(no rows)") }
        return lines.joined(separator: "\n")
    }

    /// A cell on one line: control characters shown as escapes so a row stays a row.
    static func cell(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return text }
        return ByteText.escapingControls(text)
    }
}
