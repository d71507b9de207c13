import Foundation

/// One printf conversion of a trace.py format string (`%-30s`, `%08llx`, `%.3s`), applied in
/// user space with C's meaning, so a format gives what `printf(3)` would give for the same value.
///
/// Supported: flags `-` `0` `+` space `#`, a decimal width and precision, lengths `hh h l ll z`
/// and the conversions `d i u x X c s p`. Combinations C leaves undefined (such as `%#d`, `%05s`,
/// `%ls`) are refused by `problem` rather than given a meaning of our own.
public struct FormatConversion: Hashable, Sendable {
    /// The integer size a length modifier selects (C on LP64 Linux: int is 32 bits).
    public enum Length: String, Hashable, Sendable, CaseIterable {
        case none = "", hh, h, l, ll, z

        var bits: Int {
            switch self {
            case .hh: return 8
            case .h: return 16
            case .none: return 32
            case .l, .ll, .z: return 64
            }
        }
    }

    public var leftAlign = false
    public var zeroPad = false
    public var plusSign = false
    public var spaceSign = false
    public var alternate = false
    public var width: Int?
    public var precision: Int?
    public var length = Length.none
    /// One of `d i u x X c s p`.
    public var specifier: Character
    /// As written, e.g. `%-30s`.
    public var spelling: String

    /// The widest field and longest precision accepted: enough for any column, and small
    /// enough that one conversion cannot make an event's message huge.
    public static let maximumWidth = 4096
    public static let specifiers: Set<Character> = ["d", "i", "u", "x", "X", "c", "s", "p"]

    public init(specifier: Character, spelling: String) {
        self.specifier = specifier
        self.spelling = spelling
    }

    /// Whether the conversion takes a string argument.
    public var takesString: Bool { specifier == "s" }

    /// Why C gives this combination no defined meaning, or nil when it has one.
    public var problem: String? {
        let integer = "diuxX".contains(specifier)
        if length != .none && !integer {
            return "'\(spelling)': a length (\(length.rawValue)) applies only to %d %i %u %x %X"
        }
        if alternate && !"xX".contains(specifier) {
            return "'\(spelling)': the '#' flag applies only to %x and %X"
        }
        if zeroPad && !integer {
            return "'\(spelling)': the '0' flag applies only to numbers; strings are padded with spaces"
        }
        if (plusSign || spaceSign) && !integer {
            return "'\(spelling)': the '\(plusSign ? "+" : " ")' flag applies only to numbers"
        }
        if precision != nil && (specifier == "c" || specifier == "p") {
            return "'\(spelling)': a precision applies only to numbers and %s"
        }
        return nil
    }

    /// The conversion applied to `value`, as C's printf would print it.
    /// Appends the value as `apply` gives it, plain `%d`/`%u`/`%i` without an intermediate array.
    public func append(_ value: TraceValue, to out: inout [UInt8]) {
        if case .integer(let number) = value, width == nil, precision == nil, !alternate,
           specifier == "d" || specifier == "i" || specifier == "u" {
            let bits = length.bits
            let magnitude: UInt64
            if specifier == "u" {
                magnitude = bits == 64 ? UInt64(bitPattern: number) : UInt64(bitPattern: number) & ((1 << UInt64(bits)) - 1)
            } else {
                // Sign-extend the low `bits` bits, as converting to a C type of that size does.
                let shift = Int64(64 - bits)
                let value = (number << shift) >> shift
                magnitude = value.magnitude
                if value < 0 { out.append(UInt8(ascii: "-")) } else if plusSign { out.append(UInt8(ascii: "+")) } else if spaceSign { out.append(UInt8(ascii: " ")) }
            }
            var divisor: UInt64 = 1
            while magnitude / divisor >= 10 { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8((magnitude / divisor) % 10))
                divisor /= 10
            }
            return
        }
        out += apply(value)
    }

    public func apply(_ value: TraceValue) -> [UInt8] {
        switch (value, specifier) {
        case (.bytes(let bytes), _):
            let kept = precision.map { Array(bytes.prefix($0)) } ?? bytes
            return padded(kept)
        case (.integer(let number), "c"):
            return padded([UInt8(truncatingIfNeeded: number)])
        case (.integer(let number), "p"):
            return padded(Array(("0x" + String(UInt64(bitPattern: number), radix: 16)).utf8))
        case (.integer(let number), "s"):
            // A number under %s cannot come from a compiled program; show it rather than nothing.
            return padded(Array(String(number).utf8))
        case (.integer(let number), _):
            return integer(number)
        }
    }

    /// `%d %i %u %x %X`: the value cut to the length's size, then sign, prefix, precision, width.
    private func integer(_ number: Int64) -> [UInt8] {
        let bits = length.bits
        let signed = specifier == "d" || specifier == "i"
        let magnitude: UInt64
        var prefix = ""
        if signed {
            // Sign-extend the low `bits` bits, as converting to a C type of that size does.
            let shift = Int64(64 - bits)
            let value = (number << shift) >> shift
            magnitude = value.magnitude
            prefix = value < 0 ? "-" : plusSign ? "+" : spaceSign ? " " : ""
        } else {
            magnitude = bits == 64 ? UInt64(bitPattern: number) : UInt64(bitPattern: number) & ((1 << UInt64(bits)) - 1)
        }
        var digits: String
        switch specifier {
        case "x": digits = String(magnitude, radix: 16)
        case "X": digits = String(magnitude, radix: 16, uppercase: true)
        default: digits = String(magnitude)
        }
        if alternate && magnitude != 0 { prefix = specifier == "X" ? "0X" : "0x" }
        if let precision {
            // An explicit precision of 0 prints no digits for 0 (C11 7.21.6.1).
            if precision == 0 && magnitude == 0 { digits = "" }
            if digits.count < precision { digits = String(repeating: "0", count: precision - digits.count) + digits }
        }
        let body = Array(prefix.utf8) + Array(digits.utf8)
        // With a precision the '0' flag is ignored; zeros go between the sign or 0x and the digits.
        if zeroPad && !leftAlign && precision == nil, let width, width > body.count {
            return Array(prefix.utf8) + Array(repeating: UInt8(ascii: "0"), count: width - body.count) + Array(digits.utf8)
        }
        return padded(body)
    }

    /// `bytes` padded with spaces to the width, on the right when `-` was given.
    private func padded(_ bytes: [UInt8]) -> [UInt8] {
        guard let width, width > bytes.count else { return bytes }
        let padding = Array(repeating: UInt8(ascii: " "), count: width - bytes.count)
        return leftAlign ? bytes + padding : padding + bytes
    }
}
