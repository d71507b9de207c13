import Foundation
import Testing

/// Every runbook in examples/ runs as its usage line says through the built binary; three run
/// against a helper the test starts, synchronised with the run (no sleeps), and give exact counts.
@Suite struct ExampleRunbookTests {
    static let examples = URL(fileURLWithPath: Tracesh.packageRoot.path + "/examples")

    static var exampleNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? []).filter { $0.hasSuffix(".trc") }.sorted()
    }

    @Test func thereAreAtLeastSixExamplesEachTakingDuration() throws {
        let names = Self.exampleNames
        #expect(names.count >= 6, "\(names)")
        for name in names {
            let text = try String(contentsOf: Self.examples.appendingPathComponent(name), encoding: .utf8)
            #expect(text.hasPrefix("#!/usr/bin/env tracesh\n"), "\(name)")
            #expect(text.contains("default duration "), "\(name) gives duration a default")
            #expect(text.contains("run $duration"), "\(name) runs for $duration")
        }
    }

    /// The arguments of the example's one `# usage: sudo tracesh examples/NAME ARGS...` line.
    static func usageArguments(of name: String, text: String) throws -> [String] {
        let prefix = "# usage: sudo tracesh examples/\(name)"
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("# usage:") }
        #expect(lines.count == 1, "\(name) has one usage line: \(lines)")
        let line = try #require(lines.first { $0.hasPrefix(prefix) }, "\(name)'s usage line starts '\(prefix)'")
        // The usage words end at two spaces (a description may follow).
        let words = line.dropFirst(prefix.count).components(separatedBy: "  ").first ?? ""
        return words.split(separator: " ").map(String.init)
    }

    /// Each example runs as its usage line says, from the package root, with no argument beyond
    /// the process it is for (`pid=`, given a process the test starts): it exits 0 after its
    /// default duration and prints its run's summary and every `agg` heading it declares (the
    /// headings repeat the `agg` lines). On 27ef842 each failed: `undefined variable '$duration'`.
    @Test(.live, arguments: exampleNames) func runsAsItsUsageLineSays(_ name: String) throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent(name), encoding: .utf8)
        var arguments = try Self.usageArguments(of: name, text: text)
        #expect(arguments.allSatisfy { $0.hasPrefix("pid=") }, "\(name): only the process it is for: \(arguments)")
        // malloc-sizes.trc traces one process: give it one that waits (its stdin closes at the end).
        let sleeper = try ExampleHelper.start(["sleep"])
        defer { sleeper.finish() }
        arguments = arguments.map { $0.hasPrefix("pid=") ? "pid=\(sleeper.process.processIdentifier)" : $0 }
        let result = try Tracesh.run(["examples/\(name)"] + arguments, currentDirectory: Tracesh.packageRoot)
        #expect(result.status == 0, "\(name): \(result.stderr)")
        // The script's own default (10 s) ran out.
        #expect(result.stdout.contains("run 1 completed (duration reached): "), "\(name): \(result.stdout)")
        let elapsed = result.stdout.firstMatch(of: /events in ([0-9.]+) s/).flatMap { Double($0.1) } ?? 0
        #expect(elapsed >= 9.5 && elapsed < 20, "\(name) ran its default 10 s: \(result.stdout)")
        let headings = text.split(separator: "\n").filter { $0.hasPrefix("agg ") }
        #expect(!headings.isEmpty)
        for heading in headings {
            #expect(result.stdout.contains(heading + "\n"), "\(name) prints '\(heading)':\n\(result.stdout)")
        }
    }

    /// A helper opens a missing path exactly 7 times during the run: its row counts 7, and the
    /// path (the entry argument, read at return) is the key of the by-path aggregation.
    @Test(.live) func missingFilesCountsTheHelpersOpensWithTheirPath() throws {
        let missing = "/nonexistent-\(UUID().uuidString.prefix(8))/config.ini"
        let run = try ExampleHelper.synchronisedRun("missing-files.trc", probe: "missing", marker: "open", helper: ["open", missing, "7"])
        let aggregations = try #require(run.aggregations(probe: "missing"))
        let byPath = try #require(aggregations["missing: count by comm, arg2@user"], "\(aggregations)")
        #expect(byPath[[run.comm, missing]] == 7, "\(byPath)")
        // The helper's other failed opens are its sync markers, each under the marker's path.
        let markers = try #require(byPath[[run.comm, ExampleHelper.openMarker]], "\(byPath)")
        #expect(aggregations["missing: count by comm"]?[[run.comm]] == 7 + markers, "\(aggregations)")
    }

    /// The helper starts 5 children that exec it: 5 execs under its name.
    @Test(.live) func execTopCountsTheHelpersExecs() throws {
        let run = try ExampleHelper.synchronisedRun("exec-top.trc", probe: "exec", marker: "exec", helper: ["spawns", "5"])
        let aggregations = try #require(run.aggregations(probe: "exec"))
        #expect(aggregations["exec: count by comm"]?[[run.comm]] == 5, "\(aggregations)")
    }

    /// `pid=` scopes the uprobe run to the helper, which makes 37 mallocs of 3000 bytes: the
    /// histogram has one bucket, [2K, 4K), of 37; the run ends when the helper exits.
    @Test(.live) func mallocSizesOfOneProcess() throws {
        let run = try ExampleHelper.synchronisedRun("malloc-sizes.trc", probe: "m", marker: "malloc", helper: ["mallocs", "37", "3000"],
                                                    scopedByPID: true)
        let aggregations = try #require(run.aggregations(probe: "m"))
        let histogram = try #require(run.result(probe: "m")?["aggregations"] as? [[String: Any]]).first { $0["aggregation"] as? String == "m: hist arg1" }
        let buckets = ((histogram?["rows"] as? [[String: Any]])?.first?["buckets"] as? [[String: Any]]) ?? []
        let sizes = buckets.map { ($0["low"] as? Int ?? -1, $0["count"] as? Int ?? -1) }
        // 37 in [2K, 4K); the rest are the sync markers' malloc(1), in [1, 2) (empty buckets between).
        #expect(sizes.contains { $0 == (2048, 37) } && sizes.allSatisfy { $0.0 == 2048 || $0.0 == 1 || $0.1 == 0 }, "\(sizes)")
        #expect(aggregations["m: count by comm"]?[[run.comm]] == sizes.reduce(0) { $0 + $1.1 }, "\(aggregations)")
    }
}

/// The traced helper (Tests/TraceshKitTests/Fixtures/traced_helper.c), built once, under a name
/// of its own per test so that its command name is unique on the machine.
struct ExampleHelper {
    let process: Process
    let input: Pipe

    static let built: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracesh-examples-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let binary = directory.appendingPathComponent("traced_helper").path
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-O1", "-o", binary, Tracesh.packageRoot.path + "/Tests/TraceshKitTests/Fixtures/traced_helper.c"]
        try? compiler.run()
        compiler.waitUntilExit()
        return binary
    }()

    /// A copy of the helper named `tshex` and 8 random hex digits (a comm fits 15 characters).
    static func uniqueCopy() throws -> String {
        let name = "tshex" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased()
        let path = (built as NSString).deletingLastPathComponent + "/" + name
        try writeExecutable(Array(Data(contentsOf: URL(fileURLWithPath: built))), to: path)
        return path
    }

    static func start(_ arguments: [String], at path: String = built) throws -> ExampleHelper {
        let process = Process(), input = Pipe()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = input
        try process.run()
        return ExampleHelper(process: process, input: input)
    }

    func finish() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    struct Finished {
        var comm: String
        var lines: [[String: Any]]

        func result(probe: String) -> [String: Any]? {
            lines.first { $0["run"] != nil && $0["name"] as? String == probe }
        }

        /// Each aggregation of the probe's result: its rows' keys to their (scalar) values.
        func aggregations(probe: String) -> [String: [[String]: Int]]? {
            guard let list = result(probe: probe)?["aggregations"] as? [[String: Any]] else { return nil }
            var byName: [String: [[String]: Int]] = [:]
            for aggregation in list {
                guard let name = aggregation["aggregation"] as? String else { continue }
                var rows: [[String]: Int] = [:]
                for row in aggregation["rows"] as? [[String: Any]] ?? [] {
                    if let keys = row["keys"] as? [Any], let value = row["value"] as? Int { rows[keys.map { "\($0)" }] = value }
                }
                byName[name] = rows
            }
            return byName
        }
    }

    /// Runs examples/NAME with `duration=30s` (an upper bound), its events streamed and shown live
    /// as JSON: the helper (`synced MARKER ARGS...`) repeats a marker the probe under test sees
    /// until a byte arrives on its stdin; the test writes that byte once the probe has shown a
    /// marker's event (so the probe is attached: the first events can come before the run's start,
    /// while bpftrace still attaches the others), and the helper then does ARGS exactly once.
    /// `scopedByPID`: the example takes `pid=` (the helper's) and ends when the helper exits;
    /// otherwise the test stops tracesh (SIGINT) once the helper has exited.
    static let openMarker = "/nonexistent-tracesh-sync/marker"

    static func synchronisedRun(_ example: String, probe: String, marker: String, helper arguments: [String],
                                scopedByPID: Bool = false) throws -> Finished {
        let path = try uniqueCopy()
        let comm = (path as NSString).lastPathComponent
        let helper = try start(["synced", marker] + arguments, at: path)
        defer { helper.finish() }
        let tracesh = Process(), output = Pipe(), errors = Pipe()
        tracesh.executableURL = Tracesh.binary
        var arguments = ["--format", "json", "-e", "set live on", "-e", "set stream on",
                         ExampleRunbookTests.examples.path + "/" + example, "duration=30s"]
        if scopedByPID { arguments.append("pid=\(helper.process.processIdentifier)") }
        tracesh.arguments = arguments
        tracesh.standardOutput = output
        tracesh.standardError = errors
        tracesh.standardInput = FileHandle.nullDevice
        try tracesh.run()
        nonisolated(unsafe) var errorData = Data()
        let errorsRead = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorData = errors.fileHandleForReading.readDataToEndOfFile()
            errorsRead.signal()
        }
        // A live event of the probe under test that a marker caused: the probe is attached (for a
        // return probe, its entry half too: the call has a latency). An exec marker runs /bin/true,
        // so any exec will do.
        func isMarker(_ event: [String: Any]) -> Bool {
            if let latency = (event["raw_args"] as? [String: Any])?["latency"] as? Int, latency <= 0 { return false }
            return marker == "exec" || event["process_name"] as? String == comm
        }
        // Read JSON Lines as they come; release the helper at the first marker's event.
        var buffer = Data(), lines: [[String: Any]] = [], released = false
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
                if object["probe"] as? String == probe && object["timestamp"] != nil {
                    if !released && isMarker(object) {
                        released = true
                        try helper.input.fileHandleForWriting.write(contentsOf: Data("x".utf8))
                        if !scopedByPID {
                            // The helper's work is done when it exits; then end the run.
                            DispatchQueue.global().async {
                                helper.process.waitUntilExit()
                                // Events of a process that exited are in bpftrace's buffers; the stop flushes them.
                                kill(tracesh.processIdentifier, SIGINT)
                            }
                        }
                    }
                    continue
                }
                lines.append(object)
            }
        }
        tracesh.waitUntilExit()
        errorsRead.wait()
        #expect(released, "no marker event: \(String(decoding: errorData, as: UTF8.self))")
        #expect(helper.process.isRunning || helper.process.terminationStatus == 0 || !released)
        // SIGINT in a batch: 130 after the summaries; a run that ended by itself: 0.
        #expect(tracesh.terminationStatus == (scopedByPID ? 0 : 130), "\(String(decoding: errorData, as: UTF8.self))")
        return Finished(comm: comm, lines: lines)
    }
}
