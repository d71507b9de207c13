import Testing
@testable import TraceshKit

/// The scanner against bpftrace output built byte by byte, split at every possible place.
struct EventScannerTests {
    static let framing = EventFraming(boundary: "0123456789abcdef")
    /// Both layouts the scanner reads: bpftrace's output now, and format 2 recordings'.
    static let layouts: [EventFraming.Layout] = [.compact, .separated]

    /// One framed record as bpftrace prints it.
    static func record(_ kind: EventFraming.Kind, _ fields: [[UInt8]], layout: EventFraming.Layout = .compact) -> [UInt8] {
        framing.with(layout: layout).encode(kind, fields)
    }

    /// Awkward bytes: the record separators themselves, a newline, 0xff, a partial boundary.
    static let awkward: [UInt8] = [0x1e, 0x1f, 0x0a, 0xff] + Array("0123456789abcde".utf8) + [0x1f, 0x1e]

    /// Every kind of field next to every other: integers, a string between integers, two strings
    /// in a row, an empty string, a string last; and text between records.
    static func output(_ layout: EventFraming.Layout) -> [UInt8] {
        Array("Attaching 2 probes...\n".utf8)
            + record(.start, [Array("1000".utf8)], layout: layout)
            + record(.event, [Array("0".utf8), Array("2000".utf8), Array("42".utf8), Array("43".utf8), Array("0".utf8),
                              Array("1".utf8), Array("cat".utf8), awkward], layout: layout)
            + record(.event, [Array("1".utf8), Array("-2000".utf8), Array("cat".utf8), Array("9".utf8), [], awkward, Array("x y".utf8)],
                     layout: layout)
            + Array("Lost 12 events\n".utf8)
            + record(.sync, [Array("7".utf8)], layout: layout)
            + record(.map, [Array("@agg1".utf8)], layout: layout)
            + Array("@agg1[cat]: 3\n\n".utf8)
            + record(.end, [], layout: layout)
    }

    /// Text lines arrive without their newline.
    static let expected: [ScannedRecord] = [
        .text(Array("Attaching 2 probes...".utf8)),
        .start(monotonic: 1000),
        .event([Array("0".utf8), Array("2000".utf8), Array("42".utf8), Array("43".utf8), Array("0".utf8),
                Array("1".utf8), Array("cat".utf8), awkward]),
        .event([Array("1".utf8), Array("-2000".utf8), Array("cat".utf8), Array("9".utf8), [], awkward, Array("x y".utf8)]),
        .text(Array("Lost 12 events".utf8)),
        .sync(7),
        .map(name: "@agg1", text: Array("@agg1[cat]: 3\n\n".utf8)),
        .end,
    ]

    func scan(_ chunks: [[UInt8]]) -> [ScannedRecord] {
        var scanner = EventScanner(framing: Self.framing)
        var records: [ScannedRecord] = []
        for chunk in chunks { records += scanner.feed(chunk) }
        return records + scanner.finish()
    }

    @Test(arguments: layouts) func readsEveryKindOfRecordInOneChunk(layout: EventFraming.Layout) {
        #expect(scan([Self.output(layout)]) == Self.expected)
    }

    @Test(arguments: layouts) func anySplitIntoTwoChunksGivesTheSameRecords(layout: EventFraming.Layout) {
        let output = Self.output(layout)
        for split in 0...output.count {
            let records = scan([Array(output[..<split]), Array(output[split...])])
            #expect(records == Self.expected, "split at \(split)")
            if records != Self.expected { return }
        }
    }

    @Test(arguments: layouts) func oneByteAtATimeGivesTheSameRecords(layout: EventFraming.Layout) {
        #expect(scan(Self.output(layout).map { [$0] }) == Self.expected)
    }

    /// In the compact layout the markers are only around strings: an event of integers is short.
    @Test func aCompactEventMarksOnlyItsStrings() {
        let record = Self.record(.event, [Array("0".utf8), Array("12".utf8), Array("cat".utf8), Array("5".utf8)])
        let b = "0123456789abcdef", rs = "\u{1e}", us = "\u{1f}"
        let expected: String = rs + b + us + "E 0 12" + us + b + us + "cat" + us + b + " 5" + us + b + rs
        #expect(record == Array(expected.utf8))
        // What the compiler writes for bpftrace prints the same bytes.
        #expect(Self.framing.printfFormat(kind: .event, conversions: ["%d", "%llu", "%s", "%lld"])
                == "\\x1e0123456789abcdef\\x1fE %d %llu\\x1f0123456789abcdef\\x1f%s\\x1f0123456789abcdef %lld\\x1f0123456789abcdef\\x1e")
    }

    /// Fields that break the compact grammar are damage, not a wrong event.
    @Test(arguments: [" ", " 1x", "\u{1f}0123456789abcdefZ", "Z1"]) func aMalformedCompactRecordIsDamage(content: String) {
        var scanner = EventScanner(framing: Self.framing)
        let bytes = Self.framing.recordStart + Array("E".utf8) + Array(content.utf8) + Self.framing.recordEnd
        #expect(scanner.feed(bytes) + scanner.finish() == [])
        #expect(scanner.damagedRecords == 1)
    }

    @Test func aLastLineWithoutNewlineIsKept() {
        #expect(scan([Array("ERROR: oops".utf8)]) == [.text(Array("ERROR: oops".utf8))])
    }
}

/// Damage: what the scanner does with records whose markers were cut or garbled.
struct EventScannerDamageTests {
    typealias Base = EventScannerTests

    @Test func aRecordWithoutItsEndIsSkippedAndTheNextKept() {
        let broken = Array(Base.record(.sync, [Array("1".utf8)]).dropLast(3))
        var scanner = EventScanner(framing: Base.framing)
        let records = scanner.feed(Base.record(.start, [Array("5".utf8)]) + broken + Base.record(.sync, [Array("2".utf8)])) + scanner.finish()
        #expect(records == [.start(monotonic: 5), .sync(2)])
        #expect(scanner.damagedRecords == 1)
        #expect(scanner.firstDamage == Base.record(.start, [Array("5".utf8)]).count)
    }

    @Test func anUnknownKindIsCountedNotPassedOnAsText() {
        var scanner = EventScanner(framing: Base.framing)
        let unknown = Base.framing.recordStart + Array("Q".utf8) + Base.framing.recordEnd + [0x0a]
        let records = scanner.feed(unknown + Array("Attaching 1 probe...\n".utf8)) + scanner.finish()
        #expect(records == [.text(Array("Attaching 1 probe...".utf8))])
        #expect(scanner.damagedRecords == 1 && scanner.firstDamage == 0)
    }
}
