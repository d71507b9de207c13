import Foundation

/// `run ... -- COMMAND > FILE` (or `>> FILE`): where the traced command's standard output goes
/// instead of tracesh's default (the terminal, or tracesh's standard error).
public struct OutputRedirection: Hashable, Sendable {
    /// The file as written (`~` not yet expanded).
    public var path: String
    /// `>>`: append to the file instead of truncating it.
    public var append: Bool
    /// Where the file name stands in the source, for an error when it cannot be opened.
    public var location: SourceLocation?

    public init(path: String, append: Bool, location: SourceLocation? = nil) {
        self.path = path
        self.append = append
        self.location = location
    }
}
