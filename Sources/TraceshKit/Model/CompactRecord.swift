import Foundation

/// The body of a recording in format 3: the scanned records of a run, each stored compactly
/// instead of as bpftrace's framed text (which repeats the 16-digit boundary around every field:
/// 214 bytes for a one-integer read event, against about 15 here).
///
/// Every record is `tag (1 byte) length (varint) payload`, so a reader skips a tag it does not
/// know (a newer section, e.g. process memory maps) and finds where a file was cut. Integers are
/// LEB128 varints, signed ones zigzag-encoded; bytes are `length bytes`.
///
/// - `event`: probe index, monotonic time as the difference from the previous event's, pid, tid
///   as the difference from pid, uid, gid, cpu, comm (see `Comm`), then each of the probe's
///   values: an integer, or bytes for a string field.
/// - `rawEvent`: an event whose fields did not fit its probe (never expected): the fields as
///   bytes, so that a replay counts it malformed exactly as the live run did.
/// - `start`, `map`, `interval`, `intervalEnd`, `end`, `text`: the scanner's other records.
/// - `trailer`: written last by tracesh (see `RecordingTrailer`).
///
/// Sync records are not stored: they are about the live run's timing only.
public enum CompactRecord {
    public enum Tag: UInt8, Sendable {
        case event = 1, rawEvent = 2, start = 3, map = 4, interval = 5, intervalEnd = 6, end = 7, text = 8, trailer = 9
        /// A pid's first event in a run that reads stacks (`ScannedRecord.process`), and END's start.
        case process = 10, endBegin = 11
    }

    /// Comm names are stored once: `0` then bytes (not kept), `n` (1-based) for the n-th name
    /// defined so far, or `count + 1` then bytes to define the next one.
    static let commTableLimit = 4096

    /// Encodes records for one recording; keeps the state that later records refer to.
    public struct Encoder: Sendable {
        /// Each probe's value kinds (true: integer).
        private let kinds: [[Bool]]
        private var previousMonotonic: Int64 = 0
        private var comms: [[UInt8]: Int] = [:]
        private var payload: [UInt8] = []

        public init(program: CompiledProgram) {
            kinds = program.probes.map { $0.fields.map { $0.kind == .integer } }
            payload.reserveCapacity(256)
        }

        /// Appends `record`'s encoding to `out` (nothing for a sync record).
        public mutating func encode(_ record: ScannedRecord, into out: inout [UInt8]) {
            payload.removeAll(keepingCapacity: true)
            let tag: Tag
            switch record {
            case .event(let fields):
                tag = encodeEvent(fields) ? .event : .rawEvent
                if tag == .rawEvent {
                    payload.removeAll(keepingCapacity: true)
                    Self.putUnsigned(UInt64(fields.count), &payload)
                    for field in fields { Self.putBytes(field, &payload) }
                }
            case .start(let monotonic):
                tag = .start
                Self.putSigned(monotonic, &payload)
            case .map(let name, let text):
                tag = .map
                Self.putBytes(Array(name.utf8), &payload)
                Self.putBytes(text, &payload)
            case .interval(let number, let monotonic):
                tag = .interval
                Self.putSigned(number, &payload)
                Self.putSigned(monotonic, &payload)
            case .intervalEnd(let number):
                tag = .intervalEnd
                Self.putSigned(number, &payload)
            case .end:
                tag = .end
            case .process(let pid):
                tag = .process
                Self.putSigned(pid, &payload)
            case .endBegin:
                tag = .endBegin
            case .text(let bytes):
                tag = .text
                payload += bytes
            case .sync, .trailer, .mapping:
                // (A recording keeps what the mappings named: the trailer's stack snapshot.)
                return
            }
            Self.frame(tag, payload, into: &out)
        }

        /// The trailer record (see `RecordingTrailer`).
        public static func trailer(_ value: RecordingTrailer.Value) -> [UInt8] {
            var payload: [UInt8] = []
            putSigned(value.outputBytes, &payload)
            putSigned(value.durationNanoseconds, &payload)
            putBytes(Array(value.state.utf8), &payload)
            // The run's process maps and frame names, when it read stacks (an optional fourth field).
            if let stacks = value.stacks { putBytes(stacks, &payload) }
            var out: [UInt8] = []
            frame(.trailer, payload, into: &out)
            return out
        }

        /// A well-formed event into `payload`; false when its fields do not fit its probe.
        private mutating func encodeEvent(_ fields: [[UInt8]]) -> Bool {
            guard fields.count >= 8, let probe = ByteFields.integer(fields[0]), probe >= 0, probe < kinds.count,
                  fields.count == 8 + kinds[Int(probe)].count,
                  let monotonic = ByteFields.integer(fields[1]), let pid = ByteFields.integer(fields[2]),
                  let tid = ByteFields.integer(fields[3]), let uid = ByteFields.integer(fields[4]),
                  let gid = ByteFields.integer(fields[5]), let cpu = ByteFields.integer(fields[6]) else { return false }
            let probeKinds = kinds[Int(probe)]
            // Integer values are checked before anything is written.
            for (index, isInteger) in probeKinds.enumerated() where isInteger {
                guard ByteFields.integer(fields[8 + index]) != nil else { return false }
            }
            Self.putUnsigned(UInt64(probe), &payload)
            Self.putSigned(monotonic &- previousMonotonic, &payload)
            previousMonotonic = monotonic
            Self.putSigned(pid, &payload)
            Self.putSigned(tid &- pid, &payload)
            Self.putSigned(uid, &payload)
            Self.putSigned(gid, &payload)
            Self.putSigned(cpu, &payload)
            let comm = fields[7]
            if let known = comms[comm] {
                Self.putUnsigned(UInt64(known), &payload)
            } else if comms.count < CompactRecord.commTableLimit {
                comms[comm] = comms.count + 1
                Self.putUnsigned(UInt64(comms.count), &payload)
                Self.putBytes(comm, &payload)
            } else {
                Self.putUnsigned(0, &payload)
                Self.putBytes(comm, &payload)
            }
            for (index, isInteger) in probeKinds.enumerated() {
                let field = fields[8 + index]
                if isInteger { Self.putSigned(ByteFields.integer(field)!, &payload) } else { Self.putBytes(field, &payload) }
            }
            return true
        }

        static func frame(_ tag: Tag, _ payload: [UInt8], into out: inout [UInt8]) {
            out.append(tag.rawValue)
            putUnsigned(UInt64(payload.count), &out)
            out += payload
        }

        static func putUnsigned(_ value: UInt64, _ out: inout [UInt8]) {
            var value = value
            while value >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            out.append(UInt8(value))
        }

        static func putSigned(_ value: Int64, _ out: inout [UInt8]) {
            putUnsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)), &out)
        }

        static func putBytes(_ bytes: [UInt8], _ out: inout [UInt8]) {
            putUnsigned(UInt64(bytes.count), &out)
            out += bytes
        }
    }

    /// An event as stored: the fixed fields and the probe's values.
    public struct Event: Sendable {
        public var probeIndex: Int
        public var monotonic: Int64
        public var pid: Int64
        public var tid: Int64
        public var uid: Int64
        public var gid: Int64
        public var cpu: Int64
        public var comm: [UInt8]
        /// The probe's values, named as its fields.
        public var rawArgs: [NamedValue]
    }

    /// What the decoder finds.
    public enum Decoded: Sendable {
        case event(Event)
        /// Any other record, as the scanner would have given it.
        case record(ScannedRecord)
        case trailer(RecordingTrailer.Value)
        /// A tag this version does not know (a newer section): skipped.
        case unknown(tag: UInt8)
        /// A record whose payload does not decode.
        case damaged
    }

    /// Decodes a recording's body, however it is chunked.
    public struct Decoder: Sendable {
        private let kinds: [[Bool]]
        private let names: [[String]]
        private var previousMonotonic: Int64 = 0
        private var comms: [[UInt8]] = []
        private var buffer: [UInt8] = []
        private var offset = 0
        /// Bytes of the body consumed before `buffer[0]`.
        private var base = 0

        public init(program: CompiledProgram) {
            kinds = program.probes.map { $0.fields.map { $0.kind == .integer } }
            names = program.probes.map { $0.fields.map(\.name) }
        }

        /// The body offset where the next record starts (after the last complete one).
        public var position: Int { base + offset }

        /// Bytes given but not yet part of a complete record.
        public var pending: Int { buffer.count - offset }

        /// Calls `emit` with each record that `bytes` completes and its body offset.
        public mutating func feed(_ bytes: [UInt8], emit: (Decoded, Int) -> Void) {
            if offset == buffer.count {
                base += buffer.count
                buffer = bytes
                offset = 0
            } else {
                buffer.removeFirst(offset)
                base += offset
                offset = 0
                buffer += bytes
            }
            let data = buffer  // shares the storage; `self` is updated while it is read
            data.withUnsafeBufferPointer { all in
                while true {
                    var cursor = offset
                    guard cursor < all.count else { break }
                    let rawTag = all[cursor]
                    cursor += 1
                    guard let length = Self.unsigned(all, &cursor), length <= UInt64(all.count - cursor) else {
                        // An incomplete length or payload: wait for more bytes (or the end).
                        break
                    }
                    let end = cursor + Int(length)
                    let record = decode(rawTag, all, cursor, end)
                    emit(record, base + offset)
                    offset = end
                }
            }
        }

        private mutating func decode(_ rawTag: UInt8, _ all: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Decoded {
            guard let tag = Tag(rawValue: rawTag) else { return .unknown(tag: rawTag) }
            var cursor = start
            func signed() -> Int64? { Self.signed(all, &cursor, end) }
            func bytes() -> [UInt8]? { Self.bytes(all, &cursor, end) }
            let result: Decoded?
            switch tag {
            case .event:
                result = event(all, &cursor, end).map { .event($0) }
            case .rawEvent:
                if let count = Self.unsigned(all, &cursor, end), count <= UInt64(end - cursor) {
                    var fields: [[UInt8]] = []
                    for _ in 0..<count {
                        guard let field = bytes() else { return .damaged }
                        fields.append(field)
                    }
                    result = .record(.event(fields))
                } else {
                    result = nil
                }
            case .start:
                result = signed().map { .record(.start(monotonic: $0)) }
            case .map:
                if let name = bytes(), let text = bytes() { result = .record(.map(name: String(decoding: name, as: UTF8.self), text: text)) } else { result = nil }
            case .interval:
                if let number = signed(), let monotonic = signed() { result = .record(.interval(number: number, monotonic: monotonic)) } else { result = nil }
            case .intervalEnd:
                result = signed().map { .record(.intervalEnd(number: $0)) }
            case .end:
                result = .record(.end)
            case .process:
                result = signed().map { .record(.process(pid: $0)) }
            case .endBegin:
                result = .record(.endBegin)
            case .text:
                result = .record(.text(Array(all[start..<end])))
                cursor = end
            case .trailer:
                if let output = signed(), let duration = signed(), let state = bytes() {
                    let stacks = cursor < end ? bytes() : nil
                    result = .trailer(.init(outputBytes: output, durationNanoseconds: duration, state: String(decoding: state, as: UTF8.self),
                                            stacks: stacks))
                } else {
                    result = nil
                }
            }
            guard let result, cursor == end else { return .damaged }
            return result
        }

        private mutating func event(_ all: UnsafeBufferPointer<UInt8>, _ cursor: inout Int, _ end: Int) -> Event? {
            guard let probe = Self.unsigned(all, &cursor, end), probe < UInt64(kinds.count),
                  let delta = Self.signed(all, &cursor, end), let pid = Self.signed(all, &cursor, end),
                  let tidDelta = Self.signed(all, &cursor, end), let uid = Self.signed(all, &cursor, end),
                  let gid = Self.signed(all, &cursor, end), let cpu = Self.signed(all, &cursor, end),
                  let commIndex = Self.unsigned(all, &cursor, end) else { return nil }
            let comm: [UInt8]
            if commIndex == 0 {
                guard let literal = Self.bytes(all, &cursor, end) else { return nil }
                comm = literal
            } else if commIndex <= UInt64(comms.count) {
                comm = comms[Int(commIndex) - 1]
            } else if commIndex == UInt64(comms.count) + 1 {
                guard let defined = Self.bytes(all, &cursor, end) else { return nil }
                comms.append(defined)
                comm = defined
            } else {
                return nil
            }
            let probeKinds = kinds[Int(probe)], probeNames = names[Int(probe)]
            var values: [NamedValue] = []
            values.reserveCapacity(probeKinds.count)
            for (isInteger, name) in zip(probeKinds, probeNames) {
                if isInteger {
                    guard let value = Self.signed(all, &cursor, end) else { return nil }
                    values.append(NamedValue(name: name, value: .integer(value)))
                } else {
                    guard let value = Self.bytes(all, &cursor, end) else { return nil }
                    values.append(NamedValue(name: name, value: .bytes(value)))
                }
            }
            let monotonic = previousMonotonic &+ delta
            previousMonotonic = monotonic
            return Event(probeIndex: Int(probe), monotonic: monotonic, pid: pid, tid: pid &+ tidDelta, uid: uid, gid: gid, cpu: cpu,
                         comm: comm, rawArgs: values)
        }

        @inline(__always)
        static func unsigned(_ all: UnsafeBufferPointer<UInt8>, _ cursor: inout Int, _ end: Int? = nil) -> UInt64? {
            let limit = end ?? all.count
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while cursor < limit && shift < 64 {
                let byte = all[cursor]
                cursor += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }

        @inline(__always)
        static func signed(_ all: UnsafeBufferPointer<UInt8>, _ cursor: inout Int, _ end: Int) -> Int64? {
            guard let raw = unsigned(all, &cursor, end) else { return nil }
            return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
        }

        @inline(__always)
        static func bytes(_ all: UnsafeBufferPointer<UInt8>, _ cursor: inout Int, _ end: Int) -> [UInt8]? {
            guard let count = unsigned(all, &cursor, end), count <= UInt64(end - cursor) else { return nil }
            let start = cursor
            cursor += Int(count)
            return Array(all[start..<cursor])
        }
    }
}
