import CSupport
import Foundation
import TraceshModel
import TraceshFiles

/// Turns bpftrace's output bytes into records, however the bytes are chunked.
///
/// Records follow `EventFraming`; everything else is bpftrace's own text, passed on line by line,
/// except the text after a map record, which is that map's `print()` output.
public struct EventScanner: Sendable {
    public let framing: EventFraming
    private let start: [UInt8]
    private let end: [UInt8]
    private var buffer: [UInt8] = []
    private var offset = 0
    /// The map whose `print()` text is being collected, if any.
    private var openMap: (name: String, text: [UInt8])?
    /// How many bytes were dropped from the front of `buffer` (to give stream offsets).
    private var base = 0
    /// Records that were damaged (an unknown kind, or the framing's boundary in text outside a
    /// record: a record whose markers were cut or garbled); they are skipped, not passed on.
    public private(set) var damagedRecords = 0
    /// The stream offset of the first damaged record.
    public private(set) var firstDamage: Int?
    private let boundary: [UInt8]
    /// `US boundary`: where a string field ends in the `.compact` layout.
    private let stringEnd: [UInt8]
    /// A record ended at the end of the bytes so far: a newline first in the next ones is its.
    private var newlineMayFollow = false

    public init(framing: EventFraming) {
        self.framing = framing
        start = framing.recordStart
        end = framing.recordEnd
        boundary = Array(framing.boundary.utf8)
        stringEnd = framing.stringEnd
    }

    /// Records completed by `bytes`.
    public mutating func feed(_ bytes: [UInt8]) -> [ScannedRecord] {
        var records: [ScannedRecord] = []
        feed(bytes) { records.append($0) }
        return records
    }

    /// Calls `emit` for each record completed by `bytes` (no intermediate array on the hot path).
    public mutating func feed(_ bytes: [UInt8], emit: (ScannedRecord) -> Void) {
        buffer += bytes
        if newlineMayFollow && offset < buffer.count {
            if buffer[offset] == 0x0a { offset += 1 }
            newlineMayFollow = false
        }
        while true {
            guard let recordStart = ByteFields.find(start, in: buffer, from: offset) else {
                // No record start: text up to the last newline is complete. A record's start
                // marker holds no newline, so one cut off at the tail begins after it; waiting for
                // more bytes instead held back a last line (a stand-in's complaint before it hung).
                if let newline = buffer[offset...].lastIndex(of: 0x0a) {
                    emitText(offset..<(newline + 1), emit: emit)
                    offset = newline + 1
                }
                break
            }
            guard let recordEnd = ByteFields.find(end, in: buffer, from: recordStart + start.count) else {
                break
            }
            if recordStart > offset { emitText(offset..<recordStart, emit: emit) }
            // Another record start before this end: the first record lost its end marker (the
            // boundary is secret, so nothing else can put a start there). Skip it, keep the next.
            if let restart = ByteFields.find(start, in: buffer, from: recordStart + start.count), restart < recordEnd {
                noteDamage(at: base + recordStart)
                offset = restart
                continue
            }
            emitRecord((recordStart + start.count)..<recordEnd, at: base + recordStart, emit: emit)
            offset = recordEnd + end.count
            // Most records end a line (see `EventFraming.endsLine`); the newline is the record's.
            if offset < buffer.count {
                if buffer[offset] == 0x0a { offset += 1 }
            } else {
                newlineMayFollow = true
            }
        }
        if offset > 65536 && offset * 2 > buffer.count {
            buffer.removeFirst(offset)
            base += offset
            offset = 0
        }
    }

    /// Flushes what is left at end of output (a last line without newline, an unterminated map).
    public mutating func finish() -> [ScannedRecord] {
        var records: [ScannedRecord] = []
        if offset < buffer.count { emitText(offset..<buffer.count) { records.append($0) } }
        base += buffer.count
        buffer = []
        offset = 0
        newlineMayFollow = false
        if let map = openMap {
            records.append(.map(name: map.name, text: map.text))
            openMap = nil
        }
        return records
    }

    private mutating func emitText(_ range: Range<Int>, emit: (ScannedRecord) -> Void) {
        if openMap != nil {
            openMap!.text += buffer[range]
            return
        }
        var lineStart = range.lowerBound
        for index in range where buffer[index] == 0x0a {
            if index > lineStart { emitLine(lineStart..<index, emit: emit) }
            lineStart = index + 1
        }
        if lineStart < range.upperBound { emitLine(lineStart..<range.upperBound, emit: emit) }
    }

    /// One line of bpftrace's text, unless it holds the secret boundary: then it is what is left
    /// of a damaged record (bpftrace never prints the boundary outside a record).
    private mutating func emitLine(_ range: Range<Int>, emit: (ScannedRecord) -> Void) {
        let line = Array(buffer[range])
        if ByteFields.find(boundary, in: line, from: 0) != nil {
            noteDamage(at: base + range.lowerBound)
            return
        }
        emit(.text(line))
    }

    private mutating func noteDamage(at streamOffset: Int) {
        damagedRecords += 1
        if firstDamage == nil { firstDamage = streamOffset }
    }

    /// The kind and fields of the record whose content (between its start and end markers) is
    /// `range`, read straight from the buffer; nil when they do not follow the layout. The
    /// `.separated` layout is the compact one with every field a string, so both are read here.
    /// `kind (" " integer | US B US string | US B " " integer)*`, a string ending at the next `US B`.
    private func fields(in range: Range<Int>) -> [[UInt8]]? {
        buffer.withUnsafeBufferPointer { all -> [[UInt8]]? in
            stringEnd.withUnsafeBufferPointer { marker -> [[UInt8]]? in
                let base = all.baseAddress!, upper = range.upperBound
                guard range.lowerBound < upper else { return nil }
                var parts: [[UInt8]] = [[all[range.lowerBound]]]
                parts.reserveCapacity(12)
                var index = range.lowerBound + 1
                while index < upper {
                    switch all[index] {
                    case 0x20:
                        var stop = index + 1
                        while stop < upper, all[stop] &- 0x30 < 10 || all[stop] == 0x2d { stop += 1 }
                        guard stop > index + 1 else { return nil }
                        parts.append(Array(UnsafeBufferPointer(rebasing: all[(index + 1)..<stop])))
                        index = stop
                    case 0x1f:
                        guard upper - index > marker.count, memcmp(base + index, marker.baseAddress!, marker.count) == 0 else { return nil }
                        let next = all[index + marker.count]
                        if next == 0x20 {
                            index += marker.count
                        } else if next == 0x1f {
                            let from = index + marker.count + 1
                            let found = tracesh_memmem(base + from, upper - from, marker.baseAddress!, marker.count)
                            let stop = found.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? upper
                            parts.append(Array(UnsafeBufferPointer(rebasing: all[from..<stop])))
                            index = stop
                        } else {
                            return nil
                        }
                    default:
                        return nil
                    }
                }
                return parts
            }
        }
    }

    /// Record kinds are one letter (see `EventFraming.Kind`), looked up by that byte.
    private static let kinds: [EventFraming.Kind?] = {
        var table = [EventFraming.Kind?](repeating: nil, count: 256)
        for kind in EventFraming.Kind.allCases {
            table[Int(Array(kind.rawValue.utf8)[0])] = kind
        }
        return table
    }()

    private mutating func emitRecord(_ content: Range<Int>, at streamOffset: Int, emit: (ScannedRecord) -> Void) {
        if let map = openMap {
            emit(.map(name: map.name, text: map.text))
            openMap = nil
        }
        guard let fields = self.fields(in: content), let first = fields.first, first.count == 1, let kind = Self.kinds[Int(first[0])] else {
            noteDamage(at: streamOffset)
            return
        }
        switch kind {
        case .start:
            emit(.start(monotonic: fields.count > 1 ? ByteFields.integer(fields[1]) ?? 0 : 0))
        case .event:
            emit(.event(Array(fields.dropFirst())))
        case .map:
            openMap = (fields.count > 1 ? String(decoding: fields[1], as: UTF8.self) : "", [])
        case .interval:
            emit(.interval(number: fields.count > 1 ? ByteFields.integer(fields[1]) ?? 0 : 0,
                           monotonic: fields.count > 2 ? ByteFields.integer(fields[2]) ?? 0 : 0))
        case .intervalEnd:
            emit(.intervalEnd(number: fields.count > 1 ? ByteFields.integer(fields[1]) ?? 0 : 0))
        case .end:
            emit(.end)
        case .sync:
            // A negative time is damage (the kernel's are positive): 0, which no flush waits for.
            func number(_ index: Int) -> Int64? { fields.count > index ? ByteFields.integer(fields[index]) : nil }
            emit(.sync(number(1).flatMap { UInt64(exactly: $0) } ?? 0, cpu: number(2) ?? -1, number: number(3) ?? 0))
        case .trailer:
            emit(.trailer(Array(fields.dropFirst()), offset: streamOffset))
        case .process:
            emit(.process(pid: fields.count > 1 ? ByteFields.integer(fields[1]) ?? 0 : 0))
        case .endBegin:
            emit(.endBegin)
        case .exec, .mapping:
            let numbers = fields.dropFirst().dropLast().map { ByteFields.integer($0).map { UInt64(bitPattern: $0) } }
            guard fields.count == (kind == .exec ? 6 : 7), !numbers.contains(nil), let pid = numbers[0] else {
                noteDamage(at: streamOffset)
                return
            }
            let values = numbers.map { $0! }
            let name = String(decoding: fields[fields.count - 1], as: UTF8.self)
            let image: KernelMapping.Image = kind == .exec ? .exec(codeStart: values[2], interpreterBase: values[3])
                : .file(start: values[1], length: values[2], offset: values[3])
            emit(.mapping(KernelMapping(pid: Int64(bitPattern: pid), inode: kind == .exec ? values[1] : values[4], name: name, image: image)))
        }
    }
}
