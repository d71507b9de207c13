import Foundation

/// A value an event carries: an integer, or a string kept as the exact bytes bpftrace printed.
public enum TraceValue: Hashable, Sendable, CustomStringConvertible {
    case integer(Int64)
    case bytes([UInt8])

    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .bytes(let bytes): return ByteText.decode(bytes)
        }
    }

    public var json: JSONValue {
        switch self {
        case .integer(let value): return .int(value)
        case .bytes(let bytes): return .bytes(bytes)
        }
    }
}
