// tracesh-bench: the user-space half of a run, without root or bpftrace, so that a regression in
// the scanner, the pipeline or the recording format shows on any machine.
//
//   swift run -c release tracesh-bench [EVENTS] [ROUNDS]
//
// It generates bpftrace's framed output for EVENTS (default 1,000,000) events of
// `probe rd = sys_read "n=%d", arg3` (what scripts/bench-run streams), then times, each ROUNDS
// times (default 5, the median is printed):
//   scan             the event scanner over the bytes in 64 KiB chunks (the live reading thread)
//   scan+pipeline    the same plus the pipeline (filters, statistics, store): a live run's work
//   record           encoding the scanned records into a format-3 recording (CompactRecord)
//   replay           decoding that recording into the pipeline (what `replay FILE` does)
import Foundation
import TraceshModel
import TraceshRuntime
import TraceshAnalysis

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let eventCount = arguments.first ?? 1_000_000
let rounds = arguments.count > 1 ? arguments[1] : 5

let framing = EventFraming(boundary: "0123456789abcdef")
let format: FormatString
do { format = try FormatString(parsing: "n=%d") } catch { fatalError("\(error)") }
let program = CompiledProgram(source: "", framing: framing,
                              probes: [CompiledProbe(name: "rd", function: "read", resolved: "tracepoint:syscalls:sys_enter_read",
                                                     format: format, fields: [CompiledField(name: "arg3", kind: .integer)])],
                              maps: [], userFilters: [])

@MainActor func record(_ kind: EventFraming.Kind, _ fields: [String]) -> [UInt8] {
    framing.encode(kind, fields.map { Array($0.utf8) })
}

var output = Array("Attaching 3 probes...\n".utf8) + record(.start, ["1000"])
output.reserveCapacity(eventCount * 230)
var time = 1_000_000
for index in 0..<eventCount {
    time += 300 + index % 7
    // Two CPUs, a helper and now and then another process, one-byte reads.
    output += record(.event, ["0", String(time), index % 50 == 0 ? "812" : "4242", index % 50 == 0 ? "813" : "4242", "0", "0",
                              String(index % 2), index % 50 == 0 ? "sshd" : "traced_helper", "1"])
}
output += record(.end, [])
let chunk = 65536

/// The thread's CPU time: on a shared, loaded machine wall time mostly measures the others.
func cpuSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Median CPU seconds and wall seconds of `rounds` runs of `body`, and its count.
@MainActor func median(_ body: () -> Int) -> (seconds: Double, wall: Double, count: Int) {
    var times: [Double] = []
    var walls: [Double] = []
    var count = 0
    for _ in 0..<rounds {
        let start = DispatchTime.now().uptimeNanoseconds
        let cpu = cpuSeconds()
        count = body()
        times.append(cpuSeconds() - cpu)
        walls.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (times.sorted()[times.count / 2], walls.sorted()[walls.count / 2], count)
}

@MainActor func scan(_ each: (ScannedRecord) -> Void) -> Int {
    var scanner = EventScanner(framing: framing)
    var records = 0
    var offset = 0
    while offset < output.count {
        let end = min(offset + chunk, output.count)
        scanner.feed(Array(output[offset..<end])) { records += 1; each($0) }
        offset = end
    }
    for record in scanner.finish() { records += 1; each(record) }
    return records
}

print("tracesh-bench: \(eventCount) events of probe rd = sys_read \"n=%d\", arg3; \(output.count) bytes of framed output "
      + "(\(output.count / max(1, eventCount)) per event); median of \(rounds) rounds, one thread's CPU time")
@MainActor func report(_ name: String, _ result: (seconds: Double, wall: Double, count: Int)) {
    let padded = name.padding(toLength: 14, withPad: " ", startingAt: 0)
    print(padded + String(format: " %7.3f s CPU %12.0f events/s   (wall %7.3f s)", result.seconds, Double(eventCount) / result.seconds, result.wall))
}

report("scan", median { scan { _ in } })
report("scan+pipeline", median {
    var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 100_000)
    _ = scan { pipeline.consume($0) }
    return Int(pipeline.statistics.totalEvents)
})
var scanned: [ScannedRecord] = []
_ = scan { scanned.append($0) }
var recording: [UInt8] = []
report("record", median {
    var encoder = CompactRecord.Encoder(program: program)
    recording = []
    recording.reserveCapacity(eventCount * 16)
    for record in scanned { encoder.encode(record, into: &recording) }
    return scanned.count
})
print("  recording: \(recording.count) bytes, \(String(format: "%.1f", Double(recording.count) / Double(eventCount))) bytes per event")
scanned = []
report("replay", median {
    var decoder = CompactRecord.Decoder(program: program)
    var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 100_000)
    var offset = 0
    while offset < recording.count {
        let end = min(offset + (1 << 20), recording.count)
        decoder.feed(Array(recording[offset..<end])) { decoded, _ in
            switch decoded {
            case .event(let event): pipeline.consume(event)
            case .record(let record): pipeline.consume(record)
            default: break
            }
        }
        offset = end
    }
    precondition(pipeline.statistics.totalEvents == Int64(eventCount), "replay lost events")
    return Int(pipeline.statistics.totalEvents)
})
