import Foundation

/// What a command produces for the user, independent of the output format.
public enum CommandResult: Sendable {
    /// A short confirmation or information line.
    case message(String)
    /// Rows of named columns (events, runs, top processes, ...).
    case table(ResultTable)
    /// The session graph (`show graph`).
    case graph(SessionGraph)
    /// Preformatted text that has no tabular shape (`help`, `show bpftrace`).
    case text(String)
    /// A structured document, e.g. an agent response object.
    case document(JSONValue)
    /// The result of one `agg` after a run: bars in a table, buckets in JSON and CSV.
    case aggregation(AggregationResult)
}

/// A table of values with named columns; renderers print it as aligned text, JSON Lines or CSV.
public struct ResultTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[JSONValue]]
    /// Optional title printed above the table in table format.
    public var title: String?

    public init(columns: [String], rows: [[JSONValue]], title: String? = nil) {
        self.columns = columns
        self.rows = rows
        self.title = title
    }
}
