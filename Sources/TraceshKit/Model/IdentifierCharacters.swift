import Foundation

/// What a name (a probe, a variable, a field) may be made of: letters, digits and `_`, not
/// starting with a digit. ASCII only, as in bpftrace.
extension Character {
    public var isIdentifierStart: Bool { self == "_" || (isASCII && isLetter) }
    public var isIdentifierBody: Bool { self == "_" || (isASCII && (isLetter || isNumber)) }
}
