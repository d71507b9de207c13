import Foundation
import TraceshModel
import TraceshRuntime
import TraceshKit

/// Seeds for the byte-level targets, made through the public API so that they follow the
/// recording format when it changes: `TRACESH_FUZZ_SEEDS=DIR tracesh-fuzz` writes
/// DIR/scanner/* and DIR/recording/* (scripts/fuzz does it before each scanner or recording run).
enum FuzzSeeds {
    static func record(_ kind: EventFraming.Kind, _ fields: [String]) -> [UInt8] {
        let framing = FuzzTargets.program.framing
        return framing.recordStart + Array(kind.rawValue.utf8) + fields.flatMap { framing.fieldSeparator + Array($0.utf8) } + framing.recordEnd
    }

    /// bpftrace output for the base session: start, events of each probe, a lost-events line,
    /// a sync record, an interval with maps, the end maps.
    static var output: [UInt8] {
        let maps = FuzzTargets.program.maps.map(\.name)
        var bytes = Array("Attaching 3 probes...\n".utf8)
        bytes += record(.start, ["1000"])
        bytes += record(.event, ["0", "2000", "42", "43", "0", "0", "1", "cat", "/etc/hostname\u{1e}\n\u{ff}", "577"])
        bytes += record(.event, ["1", "3000", "42", "43", "0", "0", "1", "cat", "-2"])
        bytes += record(.event, ["2", "4000", "44", "44", "0", "0", "0", "sh", "/bin/ls", "44"])
        bytes += Array("Lost 12 events\n".utf8)
        bytes += record(.sync, ["7"])
        bytes += record(.interval, ["1", "5000"])
        for map in maps { bytes += record(.map, [map]) + Array("\(map)[cat]: 3\n\n".utf8) }
        bytes += record(.intervalEnd, ["1"])
        if let first = maps.first { bytes += record(.map, [first]) + Array("\(first)[cat]: 3\n\(first)[sh]: 1\n\n".utf8) }
        if maps.count > 1 { bytes += record(.map, [maps[1]]) + Array("\(maps[1]):\n[0]  2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[1]  1 |@@@@@                                               |\n\n".utf8) }
        bytes += record(.end, [])
        return bytes
    }

    static func write(to folder: String) throws {
        let manager = FileManager.default
        for target in ["scanner", "recording"] {
            try manager.createDirectory(atPath: folder + "/" + target, withIntermediateDirectories: true)
        }
        let output = self.output
        try Data(output).write(to: URL(fileURLWithPath: folder + "/scanner/full"))
        try Data(output.prefix(output.count / 2)).write(to: URL(fileURLWithPath: folder + "/scanner/cut"))
        let header = Recording.header(program: FuzzTargets.program, clockOffset: 5)
        let trailer = RecordingTrailer.record(RecordingTrailer.Value(outputBytes: Int64(output.count), durationNanoseconds: 2_000_000_000, state: "completed"),
                                              framing: FuzzTargets.program.framing)
        try Data(header + output + trailer).write(to: URL(fileURLWithPath: folder + "/recording/full"))
        try Data(header + output.prefix(output.count / 3)).write(to: URL(fileURLWithPath: folder + "/recording/cut"))
    }
}
