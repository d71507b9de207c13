import Foundation

/// Serializes `JSONValue` as compact JSON (one line), the shape JSON Lines output needs.
///
/// Byte strings that are valid UTF-8 are written as themselves. A byte that is not part of valid
/// UTF-8 is written as the lone surrogate `\udcXX` (Python's "surrogateescape", PEP 383): the
/// output stays one JSON line, and `bytes.decode` after `json.loads(..)` with
/// `.encode("utf-8", "surrogateescape")` gives back the exact bytes.
public enum JSONWriter {
    public static func serialize(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    public static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .double(let number): out += number.isFinite ? Self.number(number) : "null"
        case .string(let text): writeString(text, to: &out)
        case .bytes(let bytes): writeBytes(bytes, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out += "," }
                writeString(pair.0, to: &out)
                out += ":"
                write(pair.1, to: &out)
            }
            out += "}"
        }
    }

    /// A number without a trailing `.0` when it is whole, and at most 6 decimals otherwise.
    public static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let scaled = (value * 1_000_000).rounded() / 1_000_000
        return String(scaled)
    }

    public static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars { escape(scalar, to: &out) }
        out += "\""
    }

    private static func escape(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f || scalar.value == 0x2028 || scalar.value == 0x2029 {
                out += "\\u" + hex4(scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }

    public static func writeBytes(_ bytes: [UInt8], to out: inout String) {
        if let valid = String(validating: bytes, as: UTF8.self) {
            writeString(valid, to: &out)
            return
        }
        out += "\""
        var index = 0
        while index < bytes.count {
            let length = ByteText.validSequenceLength(bytes, at: index)
            if length == 0 {
                out += "\\udc" + ByteText.hex(bytes[index])
                index += 1
            } else {
                for scalar in String(decoding: bytes[index..<(index + length)], as: UTF8.self).unicodeScalars {
                    escape(scalar, to: &out)
                }
                index += length
            }
        }
        out += "\""
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<4).reversed().map { digits[Int((value >> (UInt32($0) * 4)) & 15)] })
    }
}
