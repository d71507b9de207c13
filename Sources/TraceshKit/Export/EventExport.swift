import Foundation
import TraceshModel
import TraceshFiles
import TraceshOutput

/// A run's events as a file in the agent's event shape: JSON Lines (one object per event,
/// byte-exact as the README's rules for bytes that are not text say) or CSV (RFC 4180, one
/// header).
public enum EventExport {
    /// The file formats `save FILE.EXT` exports a run to, by extension.
    public enum Format: String, CaseIterable, Sendable {
        case jsonLines = "jsonl"
        case csv
        case sqlite = "db"

        /// The export format for a path, from its extension; nil for a script.
        public init?(path: String) {
            let name = (path as NSString).lastPathComponent
            guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
            self.init(rawValue: String(name[name.index(after: dot)...]).lowercased())
        }
    }

    public static let csvColumns = ["timestamp", "pid", "tid", "uid", "cpu", "process_name", "probe", "function", "resolved", "message", "raw_args"]

    public static func jsonLines(_ run: RunSnapshot) -> [UInt8] {
        var bytes: [UInt8] = []
        for event in run.events {
            bytes += Array(JSONWriter.serialize(RunReport.eventObject(event, program: run.program)).utf8)
            bytes.append(0x0a)
        }
        return bytes
    }

    public static func csv(_ run: RunSnapshot) -> [UInt8] {
        let rows: [[JSONValue]] = run.events.map { event in
            guard case .object(let pairs) = RunReport.eventObject(event, program: run.program) else { return [] }
            return csvColumns.map { column in
                let value = pairs.first { $0.0 == column }?.1 ?? .null
                // raw_args stays one JSON text in its cell.
                if case .object = value { return .string(JSONWriter.serialize(value)) }
                return value
            }
        }
        let text = CSVRenderer().render(ResultTable(columns: csvColumns, rows: rows))
        return Array((text + "\r\n").utf8)
    }
}
