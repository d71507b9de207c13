import Foundation
import TraceshModel

/// Human-readable output: aligned columns, messages and text as they are.
public struct TableRenderer: ResultRenderer {
    /// The widest a line may be (a terminal's columns); nil for no limit (not a terminal).
    public var width: Int?

    public init(width: Int? = nil) {
        self.width = width
    }

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
        let fullCells = table.rows.map { row in row.map { Self.cell($0.plainText) } }
        var widths = table.columns.map(\.count)
        for row in fullCells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        // Too wide for the terminal: the widest column gives way, cell by cell cut with "…",
        // until the line fits (or every column is down to its heading).
        let limits = Self.fitting(widths, headings: table.columns.map(\.count), into: width)
        widths = limits
        let cells = fullCells.map { row in row.enumerated().map { index, cell in
            index < limits.count && cell.count > limits[index] ? String(cell.prefix(max(0, limits[index] - 1))) + "…" : cell
        } }
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

    /// Column widths that fit `width` (two spaces between columns): the widest column is
    /// narrowed first, never below its heading or 8 characters.
    static func fitting(_ widths: [Int], headings: [Int], into width: Int?) -> [Int] {
        guard let width, !widths.isEmpty else { return widths }
        var fitted = widths
        func total() -> Int { fitted.reduce(0, +) + 2 * (fitted.count - 1) }
        while total() > width {
            let floor = fitted.indices.map { max(headings[$0], 8) }
            guard let widest = fitted.indices.filter({ fitted[$0] > floor[$0] }).max(by: { fitted[$0] < fitted[$1] }) else { break }
            fitted[widest] = max(floor[widest], fitted[widest] - (total() - width))
        }
        return fitted
    }

    /// A cell on one line: control characters shown as escapes so a row stays a row.
    static func cell(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return text }
        return ByteText.escapingControls(text)
    }
}
