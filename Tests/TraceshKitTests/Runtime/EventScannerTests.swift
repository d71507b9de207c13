import Testing
@testable import TraceshKit

/// The scanner against bpftrace output built byte by byte, split at every possible place.
struct EventScannerTests {
    static let framing = EventFraming(boundary: "0123456789abcdef")

    /// One framed record as bpftrace prints it.
    static func record(_ kind: EventFraming.Kind, _ fields: [[UInt8]]) -> [UInt8] {
        framing.recordStart + Array(kind.rawValue.utf8) + fields.flatMap { framing.fieldSeparator + $0 } + framing.recordEnd
    }

    /// Awkward bytes: the record separators themselves, a newline, 0xff, a partial boundary.
    static let awkward: [UInt8] = [0x1e, 0x1f, 0x0a, 0xff] + Array("0123456789abcde".utf8) + [0x1f, 0x1e]

    static let output: [UInt8] = Array("Attaching 2 probes...\n".utf8)
        + record(.start, [Array("1000".utf8)])
        + record(.event, [Array("0".utf8), Array("2000".utf8), Array("42".utf8), Array("43".utf8), Array("0".utf8),
                          Array("1".utf8), Array("cat".utf8), awkward])
        + Array("Lost 12 events\n".utf8)
        + record(.sync, [Array("7".utf8)])
        + record(.map, [Array("@agg1".utf8)])
        + Array("@agg1[cat]: 3\n\n".utf8)
        + record(.end, [])

    /// Text lines arrive without their newline.
    static let expected: [ScannedRecord] = [
        .text(Array("Attaching 2 probes...".utf8)),
        .start(monotonic: 1000),
        .event([Array("0".utf8), Array("2000".utf8), Array("42".utf8), Array("43".utf8), Array("0".utf8),
                Array("1".utf8), Array("cat".utf8), awkward]),
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

    @Test func readsEveryKindOfRecordInOneChunk() {
        #expect(scan([Self.output]) == Self.expected)
    }

    @Test func anySplitIntoTwoChunksGivesTheSameRecords() {
        for split in 0...Self.output.count {
            let records = scan([Array(Self.output[..<split]), Array(Self.output[split...])])
            #expect(records == Self.expected, "split at \(split)")
            if records != Self.expected { return }
        }
    }

    @Test func oneByteAtATimeGivesTheSameRecords() {
        #expect(scan(Self.output.map { [$0] }) == Self.expected)
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
        let unknown = Base.framing.recordStart + Array("Q".utf8) + Base.framing.recordEnd
        let records = scanner.feed(unknown + Array("Attaching 1 probe...\n".utf8)) + scanner.finish()
        #expect(records == [.text(Array("Attaching 1 probe...".utf8))])
        #expect(scanner.damagedRecords == 1 && scanner.firstDamage == 0)
    }
}
