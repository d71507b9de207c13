import Foundation

/// Text whose every character remembers where it came from, so diagnostics about a spec or an
/// expression point into the original script even after continuation lines and `$VAR` expansion.
public struct LocatedText: Hashable, Sendable, CustomStringConvertible {
    public private(set) var characters: [Character]
    public private(set) var locations: [SourceLocation]
    /// Where the text ends (the location just past the last character).
    public var endLocation: SourceLocation

    public init() {
        characters = []
        locations = []
        endLocation = .start
    }

    /// Text that all lives on one line, starting at `location`.
    public init(_ string: String, at location: SourceLocation = .start) {
        self.init()
        var column = location.column
        for character in string {
            append(character, at: SourceLocation(line: location.line, column: column))
            column += 1
        }
        endLocation = SourceLocation(line: location.line, column: column)
    }

    public mutating func append(_ character: Character, at location: SourceLocation) {
        characters.append(character)
        locations.append(location)
        endLocation = SourceLocation(line: location.line, column: location.column + 1)
    }

    public mutating func append(contentsOf other: LocatedText) {
        characters += other.characters
        locations += other.locations
        endLocation = other.endLocation
    }

    public var count: Int { characters.count }
    public var isEmpty: Bool { characters.isEmpty }
    public var string: String { String(characters) }
    public var description: String { string }

    /// The location of character `index`, or the end location past the last one.
    public func location(at index: Int) -> SourceLocation {
        index < locations.count ? locations[index] : endLocation
    }

    public subscript(range: Range<Int>) -> LocatedText {
        var slice = LocatedText()
        slice.endLocation = location(at: range.upperBound)
        for index in range {
            slice.characters.append(characters[index])
            slice.locations.append(locations[index])
        }
        return slice
    }

    /// The text without leading and trailing white space.
    public func trimmed() -> LocatedText {
        var lower = 0
        var upper = characters.count
        while lower < upper, characters[lower].isWhitespace { lower += 1 }
        while upper > lower, characters[upper - 1].isWhitespace { upper -= 1 }
        return self[lower..<upper]
    }

    public static func == (a: LocatedText, b: LocatedText) -> Bool { a.characters == b.characters }
    public func hash(into hasher: inout Hasher) { hasher.combine(characters) }
}
