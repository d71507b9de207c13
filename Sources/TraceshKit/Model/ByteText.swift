import Foundation

/// Text for bytes that should be UTF-8 but may not be (a traced path, a comm).
///
/// Valid UTF-8 stays exactly itself. In a byte string that is not valid UTF-8, each byte that
/// is not part of a valid sequence becomes `\xHH` and each backslash becomes `\\`, so the
/// original bytes can be recovered (`encode`). JSON output uses `JSONWriter`'s own lossless form.
public enum ByteText {
    /// Decodes bytes for a table cell or a CSV field.
    public static func decode(_ bytes: [UInt8]) -> String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var out = ""
        var index = 0
        while index < bytes.count {
            let length = validSequenceLength(bytes, at: index)
            if length == 0 {
                out += "\\x" + hex(bytes[index])
                index += 1
            } else if bytes[index] == 0x5c {
                out += "\\\\"
                index += 1
            } else {
                out += String(decoding: bytes[index..<(index + length)], as: UTF8.self)
                index += length
            }
        }
        return out
    }

    /// The inverse of `decode` for a string that `decode` escaped (one that was not valid UTF-8).
    public static func encode(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < utf8.count {
            if utf8[index] == 0x5c, index + 1 < utf8.count {
                let next = utf8[index + 1]
                if next == 0x5c {
                    bytes.append(0x5c)
                    index += 2
                    continue
                }
                if next == UInt8(ascii: "x"), index + 3 < utf8.count,
                   let byte = UInt8(String(decoding: utf8[(index + 2)...(index + 3)], as: UTF8.self), radix: 16) {
                    bytes.append(byte)
                    index += 4
                    continue
                }
            }
            bytes.append(utf8[index])
            index += 1
        }
        return bytes
    }

    /// Length of the valid UTF-8 sequence at `index`, or 0 when the byte there starts none.
    public static func validSequenceLength<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at index: Int) -> Int
        where Bytes.Index == Int {
        let first = bytes[index]
        let length: Int
        switch first {
        case 0x00...0x7f: return 1
        case 0xc2...0xdf: length = 2
        case 0xe0...0xef: length = 3
        case 0xf0...0xf4: length = 4
        default: return 0
        }
        guard index + length <= bytes.endIndex else { return 0 }
        return String(validating: bytes[index..<(index + length)], as: UTF8.self) == nil ? 0 : length
    }

    /// C-style escapes for control characters (`\n`, `\t`, `\r`, else `\xHH`) plus the
    /// characters in `alsoEscaping` (written with a backslash before them).
    public static func escapingControls(_ text: String, alsoEscaping extra: Set<Unicode.Scalar> = []) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if extra.contains(scalar) {
                    out += "\\" + String(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\x" + hex(UInt8(scalar.value))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
