import Foundation
import TraceshModel

/// One event per line as it arrives (a live view), in each output format: table lines in
/// trace.py's column order with fixed widths (later events cannot widen a column already
/// printed), CSV rows under one header, or one agent event object per line.
public struct LiveEventLines: Sendable {
    public let program: CompiledProgram
    public let format: OutputFormat
    private let probeWidth: Int

    public init(program: CompiledProgram, format: OutputFormat) {
        self.program = program
        self.format = format
        probeWidth = max(5, program.probes.map(\.name.count).max() ?? 0)
    }

    /// The line above the first event (nil for JSON Lines, whose objects name their fields).
    public var header: String? {
        switch format {
        case .table: return tableLine(["TIME", "PID", "TID", "COMM", "PROBE", "MESSAGE"])
        case .csv: return Self.columns.joined(separator: ",")
        case .json: return nil
        }
    }

    static let columns = ["time", "pid", "tid", "comm", "probe", "message"]

    /// `event` on one line.
    public func line(_ event: TraceEvent) -> String {
        switch format {
        case .json:
            return JSONWriter.serialize(RunReport.eventObject(event, program: program))
        case .table, .csv:
            let fields = [RunReport.clockTime(event.timestamp), String(event.pid), String(event.tid),
                          JSONValue.bytes(event.comm).plainText, program.probes[event.probeIndex].name,
                          JSONValue.bytes(event.message).plainText]
            return format == .csv ? fields.map(CSVRenderer.field).joined(separator: ",") : tableLine(fields.map(TableRenderer.cell))
        }
    }

    /// Lines of several events, as one write: CSV records end in CRLF, as in CSVRenderer.
    public func lines(_ events: [TraceEvent], withHeader: Bool) -> String {
        var lines = events.map(line)
        if withHeader, let header { lines.insert(header, at: 0) }
        return lines.joined(separator: format == .csv ? "\r\n" : "\n")
    }

    /// TIME fits `HH:MM:SS.nnnnnnnnn`, PID and TID Linux's largest ids, COMM the kernel's 15 bytes.
    private func tableLine(_ fields: [String]) -> String {
        let widths = [18, 7, 7, 16, probeWidth]
        var text = ""
        for (index, field) in fields.enumerated() {
            if index < widths.count {
                text += field + String(repeating: " ", count: max(0, widths[index] - field.count) + 2)
            } else {
                text += field
            }
        }
        return text
    }
}
