import Foundation
import TraceshModel
import TraceshFiles
import TraceshKernel
import TraceshLanguage
import TraceshSuggest
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshOutput
import TraceshExport

/// A recording of a run: the compiled program it came from, then the run's records.
///
///     tracesh-recording 3\n
///     {"boundary": ..., "clock_offset": ..., "program": ..., "probes": [...], "maps": [...], "user_filters": [...]}\n
///     <records: see CompactRecord; the last is the trailer, written by tracesh when the run ended>
///
/// Format 2 (still replayed) held bpftrace's raw output instead, exactly as it was written, and a
/// trailer framed like bpftrace's records; format 1 (events without gid) is refused.
///
/// Replaying it runs the same pipeline as the live run (format 2: the same scanner too), with no
/// bpftrace and no root. The trailer carries what only the live run knew (its duration) and how
/// many bytes precede it, so a replay reports the run's real duration and rate and can tell a cut
/// or damaged file. Recordings made before the trailer existed replay too, with a warning.
public enum Recording {
    /// How the records after the header are stored.
    public enum Format: Sendable {
        /// Format 2: bpftrace's framed output as it came.
        case framed
        /// Format 3: `CompactRecord`s.
        case compact

        var magic: String { self == .framed ? "tracesh-recording 2\n" : "tracesh-recording 3\n" }
    }

    /// The header of a new recording (`.framed` only to make old recordings in tests).
    public static func header(program: CompiledProgram, clockOffset: Int64, format: Format = .compact) -> [UInt8] {
        let document: JSONValue = .object([
            ("boundary", .string(program.framing.boundary)),
            ("clock_offset", .int(clockOffset)),
            ("program", .string(program.source)),
            ("probes", .array(program.probes.map { probe in
                .object([
                    ("name", .string(probe.name)), ("function", .string(probe.function)), ("resolved", .string(probe.resolved)),
                    ("format", probe.format.map { .string($0.text) } ?? .null),
                    ("fields", .array(probe.fields.map { .object([("name", .string($0.name)), ("kind", .string($0.kind == .integer ? "integer" : "string"))]) })),
                    ("function_key", probe.functionKey.map { .string($0) } ?? .null),
                ])
            })),
            ("maps", .array(program.maps.map { map in
                .object([
                    ("name", .string(map.name)),
                    ("agg", .string("agg " + map.aggregation.scopedBody)),
                    ("key_kinds", .array(map.keyKinds.map { .string($0 == .integer ? "integer" : "string") })),
                    ("key_names", .array(map.keyNames.map { .string($0.rawValue) })),
                    ("from_event_counts", map.fromEventCounts.map { derivation in
                        .object([("probes", .array(derivation.probeIndices.map { .int(Int64($0)) })),
                                 ("keys", .array(derivation.keys.map { .string($0.rawValue) }))])
                    } ?? .null),
                ])
            })),
            // The names as they were when recorded, so a replay elsewhere prints the same.
            ("value_names", .object([("syscalls", names(program.valueNames.syscalls)), ("signals", names(program.valueNames.signals)),
                                     ("errnos", names(program.valueNames.errnos))])),
            // `every INTERVAL [keep]`: a replay reads the intervals as the run did.
            ("intervals", program.intervalsKeep.map { .object([("keep", .bool($0))]) } ?? .null),
            ("user_filters", .array(program.userFilters.map { filter in
                .object([("probe_index", filter.probeIndex.map { .int(Int64($0)) } ?? .null), ("condition", .string(filter.condition.description))])
            })),
        ])
        return Array(format.magic.utf8) + Array(JSONWriter.serialize(document).utf8) + [0x0a]
    }

    private static func names(_ table: [Int64: String]) -> JSONValue {
        .object(table.sorted { $0.key < $1.key }.map { (String($0.key), .string($0.value)) })
    }

    private static func names(_ object: Any?) -> [Int64: String] {
        var table: [Int64: String] = [:]
        for (key, value) in object as? [String: Any] ?? [:] {
            if let number = Int64(key), let name = value as? String { table[number] = name }
        }
        return table
    }

    /// Reads a recording's header from the first bytes of the file: its program, clock offset,
    /// length in bytes (the records follow) and format. Nil when `prefix` ends before the header does.
    public static func header(in prefix: [UInt8], path: String) throws
        -> (program: CompiledProgram, clockOffset: Int64, length: Int, format: Format)? {
        if prefix.starts(with: Array("tracesh-recording 1\n".utf8)) {
            throw Diagnostic("'\(path)' was recorded by an older tracesh (recording format 1, events without gid); record it again", at: nil)
        }
        guard let format = [Format.compact, .framed].first(where: { prefix.starts(with: Array($0.magic.utf8).prefix(prefix.count)) }) else {
            let known = "tracesh-recording ".utf8
            if prefix.starts(with: known), let version = prefix.dropFirst(known.count).split(separator: 0x0a).first {
                throw Diagnostic("'\(path)' was recorded by a newer tracesh (recording format \(String(decoding: version, as: UTF8.self))); "
                                 + "this tracesh reads formats 2 and 3", at: nil)
            }
            throw Diagnostic("'\(path)' is not a tracesh recording", at: nil)
        }
        let magicBytes = Array(format.magic.utf8)
        guard prefix.count > magicBytes.count, let newline = prefix[magicBytes.count...].firstIndex(of: 0x0a) else { return nil }
        let headerBytes = Data(prefix[magicBytes.count..<newline])
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any],
              let boundary = header["boundary"] as? String, let offset = (header["clock_offset"] as? NSNumber)?.int64Value,
              let source = header["program"] as? String, let probes = header["probes"] as? [[String: Any]],
              let maps = header["maps"] as? [[String: Any]], let filters = header["user_filters"] as? [[String: Any]]
        else { throw Diagnostic("'\(path)': the recording's header is damaged", at: nil) }
        do {
            let compiledProbes = try probes.map { probe -> CompiledProbe in
                let fields = (probe["fields"] as? [[String: Any]] ?? []).map {
                    CompiledField(name: $0["name"] as? String ?? "", kind: ($0["kind"] as? String) == "integer" ? .integer : .string)
                }
                return CompiledProbe(name: probe["name"] as? String ?? "", function: probe["function"] as? String ?? "",
                                     resolved: probe["resolved"] as? String ?? "",
                                     format: try (probe["format"] as? String).map { try FormatString(parsing: $0) }, fields: fields,
                                     functionKey: probe["function_key"] as? String)
            }
            let compiledMaps = try maps.map { map -> CompiledMap in
                guard case .agg(let aggregation) = try CommandParser.parse(LocatedText(map["agg"] as? String ?? "")).kind else {
                    throw Diagnostic("bad aggregation", at: nil)
                }
                let kinds = (map["key_kinds"] as? [String] ?? []).map { $0 == "integer" ? CompiledField.Kind.integer : .string }
                let keyNames = (map["key_names"] as? [String] ?? []).map { IntegerKind(rawValue: $0) ?? .plain }
                let derivation = (map["from_event_counts"] as? [String: Any]).map { object in
                    EventCountDerivation(probeIndices: (object["probes"] as? [NSNumber] ?? []).map(\.intValue),
                                         keys: (object["keys"] as? [String] ?? []).compactMap(EventCountDerivation.Key.init(rawValue:)))
                }
                return CompiledMap(name: map["name"] as? String ?? "", aggregation: aggregation, keyKinds: kinds, keyNames: keyNames,
                                   fromEventCounts: derivation)
            }
            let userFilters = try filters.map { filter in
                UserFilter(probeIndex: (filter["probe_index"] as? NSNumber)?.intValue,
                           condition: try ExpressionParser.parse(LocatedText(filter["condition"] as? String ?? "")))
            }
            let valueNames = header["value_names"] as? [String: Any] ?? [:]
            let program = CompiledProgram(source: source, framing: EventFraming(boundary: boundary), probes: compiledProbes,
                                          maps: compiledMaps, userFilters: userFilters,
                                          valueNames: ValueNames(syscalls: names(valueNames["syscalls"]), signals: names(valueNames["signals"]),
                                                                 errnos: names(valueNames["errnos"])),
                                          intervalsKeep: (header["intervals"] as? [String: Any]).map { ($0["keep"] as? Bool) ?? false })
            return (program, offset, newline + 1, format)
        } catch {
            throw Diagnostic("'\(path)': the recording's header is damaged (\(error))", at: nil)
        }
    }
}
