import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import TraceshKit
@testable import TraceshOutput

/// Folded stacks, `top stacks`' tree and the SVG flame graph, from named stack rows.
struct FlameGraphTests {
    static func result(_ rows: [(String, Int64)], keys: [String] = ["ustack"]) -> AggregationResult {
        let aggregation = Aggregation(probe: "o", function: .count, argument: nil, keys: keys.map { Expression(.identifier($0)) })
        return AggregationResult(map: "@agg1", aggregation: aggregation, rows: rows.map { stack, count in
            .init(keys: keys.count == 2 ? [.bytes(Array("app".utf8)), .bytes(Array(stack.utf8))] : [.bytes(Array(stack.utf8))], value: .scalar(count))
        })
    }

    static let sample = result([("_start;main;outer;inner;openat", 5), ("_start;main;outer;close", 2), ("_start;main;<lambda&\"x\">", 1)])

    @Test func foldedLinesAreRootFirstHeaviestFirst() {
        #expect(FoldedStacks.text(Self.sample) == """
            _start;main;outer;inner;openat 5
            _start;main;outer;close 2
            _start;main;<lambda&"x"> 1

            """)
        // Other keys are the outermost frames.
        #expect(FoldedStacks.text(Self.result([("main;f", 3)], keys: ["comm", "ustack"])) == "app;main;f 3\n")
    }

    @Test func topStacksIsAnIndentedTree() {
        #expect(FoldedStacks.tree(Self.sample, limit: 2) == """
            7  _start
            7    main
            7      outer
            5        inner
            5          openat
            2        close
            """)
    }

    /// Parses the SVG with a real XML parser: one rect per frame (plus the background), widths
    /// by count, hover titles `frame (N samples, P%)`, names escaped, labels clipped to width.
    @Test func theFlameGraphIsValidSVG() throws {
        let svg = FlameGraphSVG.render(Self.sample, title: "run 1 -- helper: o = sys_openat: agg o: count by ustack")
        final class Collector: NSObject, XMLParserDelegate {
            var rects: [[String: String]] = []
            var titles: [String] = []
            var texts: [String] = []
            var widthByTitle: [String: Double] = [:]
            var element = ""
            var buffer = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == "rect" {
                    rects.append(attributes)
                    if let title = titles.last, let width = attributes["width"].flatMap(Double.init) { widthByTitle[title] = width }
                }
                element = name
                buffer = ""
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { buffer += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "title" { titles.append(buffer) }
                if name == "text" { texts.append(buffer) }
                buffer = ""
            }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        // Background + all + _start, main, outer, inner, openat, close, <lambda...>.
        #expect(collector.rects.count == 9)
        #expect(collector.titles.contains("openat (5 samples, 62.50%)"))
        #expect(collector.titles.contains("all (8 samples, 100.00%)"))
        #expect(collector.titles.contains("<lambda&\"x\"> (1 sample, 12.50%)"))
        #expect(collector.texts.first == "run 1 -- helper: o = sys_openat: agg o: count by ustack")
        #expect(collector.texts.contains("inner") && collector.texts.contains("openat"))
        let all = try #require(collector.widthByTitle["all (8 samples, 100.00%)"])
        let openat = try #require(collector.widthByTitle["openat (5 samples, 62.50%)"])
        #expect(abs(openat / all - 5.0 / 8.0) < 0.01, "\(openat) of \(all)")
        // A narrow frame's label is clipped, never wider than its rect.
        #expect(FlameGraphSVG.label("a_very_long_function_name", width: 80) == "a_very_l..")
        #expect(FlameGraphSVG.label("f", width: 10) == nil)
    }
}
