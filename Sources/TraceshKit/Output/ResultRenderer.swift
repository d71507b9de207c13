import Foundation
import TraceshModel

/// Turns a command's result into text in the chosen format. Each format is one renderer, so a new
/// format touches one file.
public protocol ResultRenderer {
    func render(_ result: CommandResult) -> String
}

public enum Renderers {
    /// `width`: a terminal's columns, which tables fit into (nil: full width).
    public static func renderer(for format: OutputFormat, width: Int? = nil) -> ResultRenderer {
        switch format {
        case .table: return TableRenderer(width: width)
        case .json: return JSONLinesRenderer()
        case .csv: return CSVRenderer()
        }
    }
}
