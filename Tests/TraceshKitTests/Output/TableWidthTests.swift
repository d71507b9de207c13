import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshOutput

/// Tables fit a terminal's width: the widest column gives way, cut with an ellipsis.
@Suite struct TableWidthTests {
    let table = ResultTable(columns: ["pid", "comm", "message"], rows: [
        [.int(42), .string("cat"), .string(String(repeating: "x", count: 200))],
        [.int(7), .string("sh"), .string("short")],
    ])

    @Test func aWideTableIsCutToTheTerminal() {
        let text = TableRenderer(width: 80).render(table)
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines.map(\.count))")
        #expect(lines[1].hasSuffix("…"))
        #expect(lines[2].hasSuffix("short"))
        #expect(lines[1].hasPrefix("42   cat   xxx"))
    }

    @Test func withoutATerminalNothingIsCut() {
        let text = TableRenderer().render(table)
        #expect(text.contains(String(repeating: "x", count: 200)))
    }

    @Test func columnsNeverShrinkBelowTheirHeadings() {
        let widths = TableRenderer.fitting([40, 40, 40], headings: [12, 4, 7], into: 20)
        #expect(widths == [12, 8, 8])
    }
}
