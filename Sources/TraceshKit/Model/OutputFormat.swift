import Foundation

/// How results are printed: aligned tables, JSON Lines, or CSV.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table
    case json
    case csv
}
