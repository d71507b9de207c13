import Foundation
import TraceshModel

/// Turns a command's result into text in the chosen format. Each format is one renderer, so a new
/// format touches one file.
public protocol ResultRenderer {
    func render(_ result: CommandResult) -> String
}

public enum Renderers {
    public static func renderer(for format: OutputFormat) -> ResultRenderer {
        switch format {
        case .table: return TableRenderer()
        case .json: return JSONLinesRenderer()
        case .csv: return CSVRenderer()
        }
    }
}
