import Foundation
import TraceshModel

/// A flame graph of an aggregation keyed by a stack, drawn by tracesh as one SVG file: the
/// root at the bottom, each frame as wide as its share of the samples, siblings in
/// alphabetical order (as flamegraph.pl draws them), frames labelled where the label fits
/// (clipped with `..`), and a `<title>` on each frame that a browser shows on hover:
/// `frame (N samples, P%)`. Names are XML-escaped.
public enum FlameGraphSVG {
    public static let width = 1200.0
    static let frameHeight = 16.0
    static let top = 40.0
    static let bottom = 24.0
    static let margin = 10.0
    /// The width of one character of the 12 px monospace label font, for clipping.
    static let characterWidth = 7.3

    /// The SVG document for `result`; `title` names the probe and run.
    public static func render(_ result: AggregationResult, title: String) -> String {
        let root = FlameNode(name: "all")
        for entry in FoldedStacks.entries(result) { root.add(entry.frames, count: entry.count) }
        let depth = root.depth
        let height = top + Double(depth) * frameHeight + bottom
        let total = max(root.count, 1)
        let scale = (width - 2 * margin) / Double(total)
        var out = """
        <?xml version="1.0" standalone="no"?>
        <svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="\(format(width))" height="\(format(height))" viewBox="0 0 \(format(width)) \(format(height))">
        <style>text { font-family: monospace; font-size: 12px; fill: #000; } .title { font-size: 17px; text-anchor: middle; } g:hover rect { stroke: #000; stroke-width: 0.5; }</style>
        <rect x="0" y="0" width="\(format(width))" height="\(format(height))" fill="#f8f8f8"/>
        <text class="title" x="\(format(width / 2))" y="24">\(escape(title))</text>
        <text x="\(format(margin))" y="\(format(height - 8))">\(escape("\(root.count) samples, \(depth - 1) frames deep; hover a frame for its count"))</text>

        """
        func draw(_ node: FlameNode, x: Double, level: Int) {
            let w = Double(node.count) * scale
            let y = height - bottom - Double(level + 1) * frameHeight
            let percent = Double(node.count) * 100 / Double(total)
            let hover = "\(node.name) (\(node.count) sample\(node.count == 1 ? "" : "s"), \(String(format: "%.2f", percent))%)"
            out += "<g><title>\(escape(hover))</title>"
            out += "<rect x=\"\(format(x))\" y=\"\(format(y))\" width=\"\(format(max(w - 0.5, 0.1)))\" height=\"\(format(frameHeight - 1))\" fill=\"\(color(node.name, root: level == 0))\" rx=\"2\" ry=\"2\"/>"
            if let label = label(node.name, width: w) {
                out += "<text x=\"\(format(x + 3))\" y=\"\(format(y + frameHeight - 4.5))\">\(escape(label))</text>"
            }
            out += "</g>\n"
            var childX = x
            for child in node.alphabeticalChildren {
                draw(child, x: childX, level: level + 1)
                childX += Double(child.count) * scale
            }
        }
        draw(root, x: margin, level: 0)
        return out + "</svg>\n"
    }

    /// The label that fits `width` pixels: the whole name, or its start and `..`; nil when
    /// not even three characters fit.
    static func label(_ name: String, width: Double) -> String? {
        let fits = Int((width - 6) / characterWidth)
        guard fits >= 3 else { return nil }
        if name.count <= fits { return name }
        return String(name.prefix(fits - 2)) + ".."
    }

    /// Warm colours (reds to yellows) chosen by the name, so a function keeps its colour.
    static func color(_ name: String, root: Bool) -> String {
        if root { return "rgb(220,220,220)" }
        var hash: UInt32 = 2166136261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16777619 }
        let r = 205 + Int(hash % 50), g = Int((hash >> 8) % 180), b = Int((hash >> 16) % 55)
        return "rgb(\(r),\(g),\(b))"
    }

    /// Text and attribute values: `& < > " '` escaped, and control characters (not allowed in
    /// XML 1.0) replaced by U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" || (0xFFFE...0xFFFF).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
