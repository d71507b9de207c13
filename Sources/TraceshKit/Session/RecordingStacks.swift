import Foundation
import TraceshModel
import TraceshKernel

/// A recording's stack names, read from its trailer before the replay feeds the records that
/// need them (the trailer is written last, when the run's stacks have been named).
enum RecordingStacks {
    /// How much of a recording's end is searched for the trailer.
    static let tailLimit = 16 << 20

    /// The namer the trailer's fifth field describes; nil without one. Reads with `pread`, so
    /// the caller's read position is unchanged.
    static func namer(descriptor: Int32, framing: EventFraming) -> StackNamer? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        let size = Int(status.st_size)
        let length = min(size, tailLimit)
        var tail = [UInt8](repeating: 0, count: length)
        let count = tail.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, off_t(size - length)) }
        guard count == length else { return nil }
        let marker = framing.recordStart + Array(EventFraming.Kind.trailer.rawValue.utf8) + framing.fieldSeparator
        var start: Int?
        var from = 0
        while let found = ByteFields.find(marker, in: tail, from: from) {
            start = found
            from = found + 1
        }
        guard let start, let end = ByteFields.find(framing.recordEnd, in: tail, from: start) else { return nil }
        let fields = ByteFields.split(Array(tail[(start + marker.count)..<end]), by: framing.fieldSeparator)
        guard let value = RecordingTrailer.value(fields: fields), let json = value.stacks else { return nil }
        return StackNamer.from(json: json)
    }
}
