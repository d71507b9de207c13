import CSV
import Foundation
import Testing

/// `save FILE.jsonl|csv|db [from ID]`: a run's events, read back by the tools people use.
@Suite struct ExportTests {
    /// Runs `sqlite3 DB SQL` and returns its output lines.
    func sqlite(_ database: String, _ sql: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test(.live) func twoRunsInTwoProcessesLandInOneDatabase() throws {
        let directory = try TemporaryDirectory()
        let target = directory.path("opened")
        FileManager.default.createFile(atPath: target, contents: Data("x".utf8))
        let database = directory.path("run.db")
        var counts: [Int] = []
        for times in [2, 3] {
            let files = Array(repeating: target, count: times).joined(separator: " ")
            let result = try Tracesh.run(["-e", #"probe o = sys_openat "%s", arg2@user"#, "-e", "filter o: arg2@user == \"\(target)\"",
                                          "-e", "agg o: count by comm", "-e", "run 30s -- /bin/cat \(files)", "-e", "save \(database)"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("saved run 1 (\(times) events) to \(database)"), "\(result.stdout)")
            counts.append(times)
        }
        #expect(try sqlite(database, "select comm, count(*) from events group by comm") == ["cat|5"])
        #expect(try sqlite(database, "select id, total_events from runs order by id") == ["1|2", "2|3"])
        #expect(try sqlite(database, "select run_id, count(*) from events group by run_id") == ["1|2", "2|3"])
        #expect(try sqlite(database, "select distinct json_extract(raw_args, '$.arg2') from events") == [target])
        #expect(try sqlite(database, "select run_id, keys, value from aggregations order by run_id") == [#"1|["cat"]|2"#, #"2|["cat"]|3"#])
        #expect(try sqlite(database, "select name, function from probes") == ["o|sys_openat", "o|sys_openat"])
    }

    @Test(.live) func eventsAsJSONLinesAndCSVFromAnyRun() throws {
        let directory = try TemporaryDirectory()
        let target = directory.path("q\"uote,comma")
        FileManager.default.createFile(atPath: target, contents: Data())
        let lines = directory.path("events.jsonl"), table = directory.path("events.csv")
        let quoted = target.replacingOccurrences(of: "\"", with: "\\\"")
        let result = try Tracesh.run(["-e", #"probe o = sys_openat "%s", arg2@user"#, "-e", "filter o: arg2@user == \"\(quoted)\"",
                                      "-e", "run 30s -- /bin/cat '\(target)'", "-e", "run 100ms",
                                      "-e", "save \(lines) from 1", "-e", "save \(table) from 1"])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try String(contentsOfFile: lines, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 1)
        #expect(objects.first?["message"] as? String == target)
        #expect(objects.first?["process_name"] as? String == "cat")
        let csv = try CSVReader(string: try String(contentsOfFile: table, encoding: .utf8), hasHeaderRow: true)
        #expect(csv.headerRow?.contains("raw_args") == true)
        let row = try #require(csv.next())
        #expect(row[csv.headerRow!.firstIndex(of: "message")!] == target)
        #expect(csv.next() == nil)
    }

    @Test(.live) func aFailedSaveLeavesTheOldFileWhole() throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("broken.db")
        try "not a database at all\n".write(toFile: database, atomically: false, encoding: .utf8)
        let result = try Tracesh.run(["-e", "probe o = sys_openat", "-e", "run 100ms", "-e", "save \(database)"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("-e[3]:1:1: error: "), "\(result.stderr)")
        #expect(try String(contentsOfFile: database, encoding: .utf8) == "not a database at all\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["broken.db"])
    }
}
