import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshModel

/// Messages are rendered in user space; they must read as C's printf would print them.
@Suite struct FormatStringTests {
    /// What glibc's vsnprintf prints for `format` and `arguments`, as bytes.
    func c(_ format: String, _ arguments: [CVarArg]) -> [UInt8] {
        withVaList(arguments) { list in
            var buffer = [CChar](repeating: 0, count: 8192)
            let count = Int(vsnprintf(&buffer, buffer.count, format, list))
            return buffer.prefix(count).map { UInt8(bitPattern: $0) }
        }
    }

    func render(_ format: String, _ value: TraceValue) throws -> [UInt8] {
        try FormatString(parsing: format).render([value])
    }

    /// Every combination of flags, widths, precisions and lengths over values at the edges of
    /// each integer size, compared with C.
    @Test func integersMatchCsPrintf() throws {
        let flagSets = (0..<32).map { mask in
            zip(Array("-0+ #"), 0..<5).filter { mask & (1 << $0.1) != 0 }.map(\.0)
        }
        let widths: [Int?] = [nil, 1, 7, 24]
        let precisions: [Int?] = [nil, 0, 1, 5, 21]
        let values: [Int64] = [0, 1, -1, 7, 42, -42, 127, 128, -129, 255, 256, 32767, -32768, 65535, 70000,
                               Int64(Int32.max), Int64(Int32.min), 0xdead_beef, 1 << 40, -(1 << 40), .max, .min]
        var compared = 0
        for specifier in ["d", "i", "u", "x", "X"] {
            for length in FormatConversion.Length.allCases {
                for flags in flagSets where !(flags.contains("#") && !"xX".contains(specifier)) {
                    for width in widths {
                        for precision in precisions {
                            let widthText: String = width.map { String($0) } ?? ""
                            let precisionText: String = precision.map { ".\($0)" } ?? ""
                            let format = "%\(String(flags))\(widthText)\(precisionText)\(length.rawValue)\(specifier)"
                            let parsed = try FormatString(parsing: "<" + format + ">")
                            for value in values {
                                // C promotes anything shorter than int to int; l, ll and z take 64 bits.
                                let argument: CVarArg = length.bits == 64 ? value : Int32(truncatingIfNeeded: value)
                                let expected = c("<" + format + ">", [argument])
                                let actual = parsed.render([TraceValue.integer(value)])
                                #expect(actual == expected, "\(format) of \(value): \(String(decoding: actual, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))")
                                compared += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(compared > 100_000)
    }

    @Test func stringsArePaddedAndCutByBytesAsCDoes() throws {
        let samples: [[UInt8]] = [[], Array("/etc/ld.so.cache".utf8), Array("héllo".utf8), [0x66, 0xff, 0xfe, 0x6f]]
        for format in ["%s", "%-30s", "%30s", "%.3s", "%-8.2s", "%8.0s", "%2s", "%.40s", "%-s"] {
            for bytes in samples {
                let expected = bytes.withUnsafeBufferPointer { buffer -> [UInt8] in
                    let cString = Array(buffer) + [0]
                    return cString.withUnsafeBufferPointer { c(format, [$0.baseAddress!]) }
                }
                #expect(try render(format, .bytes(bytes)) == expected, "\(format) of \(bytes)")
            }
        }
        // Two-byte "é" counts as two: C pads by bytes, not characters.
        #expect(try render("[%-7s]", .bytes(Array("héllo".utf8))) == Array("[héllo ]".utf8))
    }

    @Test func charactersAndPointers() throws {
        for format in ["%c", "%-4c", "%4c"] {
            for value: Int64 in [65, 0x141, 10] {
                #expect(try render(format, .integer(value)) == c(format, [Int32(truncatingIfNeeded: value)]), "\(format) of \(value)")
            }
        }
        #expect(try render("%p", .integer(0x7fff_1234)) == Array("0x7fff1234".utf8))
        #expect(try render("[%-12p]", .integer(0xbeef)) == Array("[0xbeef      ]".utf8))
        #expect(try render("[%12p]", .integer(0xbeef)) == Array("[      0xbeef]".utf8))
    }

    @Test func theIssuesExample() throws {
        let format = try FormatString(parsing: "[%-30s] [%10d]")
        #expect(format.render([.bytes(Array("/etc/ld.so.cache".utf8)), .integer(524288)])
            == Array("[/etc/ld.so.cache              ] [    524288]".utf8))
        #expect(format.conversions == ["%-30s", "%10d"])
    }

    /// What the renderer does not support, or C leaves undefined, is a located error at the `%`
    /// (or at the `*`), never a silently different message.
    @Test func unsupportedConversionsAreLocatedErrors() {
        let cases: [(format: String, column: Int, message: String)] = [
            ("ab %*d", 4, "a '*' width is not supported"),
            ("ab %.*s", 5, "a '*' precision is not supported"),
            ("ab %f", 3, "unsupported conversion '%f'"),
            ("ab %5.2f", 3, "unsupported conversion '%5.2f'"),
            ("ab %n", 3, "unsupported conversion '%n'"),
            ("ab %#d", 3, "the '#' flag applies only to %x and %X"),
            ("ab %05s", 3, "the '0' flag applies only to numbers"),
            ("ab %+c", 3, "the '+' flag applies only to numbers"),
            ("ab %ls", 3, "a length (l) applies only to"),
            ("ab %.3p", 3, "a precision applies only to numbers and %s"),
            ("ab %99999d", 4, "the width 99999 is too large"),
            ("ab %-", 3, "unsupported conversion '%-' at the end"),
        ]
        for (format, column, message) in cases {
            do {
                _ = try FormatString(parsing: format) { SourceLocation(line: 1, column: $0) }
                Issue.record("'\(format)' was accepted")
            } catch let diagnostic as Diagnostic {
                #expect(diagnostic.location?.column == column, "\(format): \(diagnostic.message)")
                #expect(diagnostic.message.contains(message), "\(format): \(diagnostic.message)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
