import Foundation

/// What a name (a probe, a variable, a field) may be made of: letters, digits and `_`, not
/// starting with a digit. ASCII only, as in bpftrace.
extension Character {
    public var isIdentifierStart: Bool { self == "_" || (isASCII && isLetter) }
    public var isIdentifierBody: Bool { self == "_" || (isASCII && (isLetter || isNumber)) }
}

extension StringProtocol {
    /// Whether the whole text is one name (`probe NAME =`, `NAME=VALUE`, an agent program's name).
    public var isIdentifier: Bool {
        guard let first, first.isIdentifierStart else { return false }
        return allSatisfy(\.isIdentifierBody)
    }
}
