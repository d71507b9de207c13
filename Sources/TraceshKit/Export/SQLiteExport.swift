import Foundation
import GRDB
import TraceshModel
import TraceshFiles
import TraceshOutput

/// A run saved into a SQLite database: tables `runs`, `probes`, `events` and `aggregations`.
/// Saving into an existing database adds the run (earlier ones are kept); the file is changed as
/// every save changes a file: a copy beside it gets the new run and is renamed over it, so a
/// failed save leaves the old database whole.
///
///     sqlite3 run.db 'select comm, count(*) from events group by comm'
public enum SQLiteExport {
    /// Adds `run` to the database at `path` (created when missing). Returns the run's row id.
    @discardableResult
    public static func save(_ run: RunSnapshot, to path: String) throws -> Int64 {
        let replacement = try FileReplacement(path: path, newFileMode: SafeFile.privateMode)
        guard let temporary = replacement.temporaryPath else {
            replacement.abandon()
            throw FileError(.write, path, reason: "a database must be a regular file")
        }
        do {
            // Start from the database as it is (if there is one): the new run is added to it.
            if FileManager.default.fileExists(atPath: replacement.target) {
                try replacement.write(try ScriptBytes.read(replacement.target, maximumSize: Int.max))
            }
            let rowID = try write(run, into: temporary)
            try replacement.commit()
            return rowID
        } catch {
            replacement.abandon()
            throw error
        }
    }

    static func write(_ run: RunSnapshot, into path: String) throws -> Int64 {
        var configuration = Configuration()
        configuration.journalMode = .default
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.write { db in
            try createTables(db)
            try db.execute(sql: """
                INSERT INTO runs (session_run, state, started_at, duration_s, total_events, lost_events, command, failure, program, saved_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.id, run.state, run.statistics.firstTimestamp, run.duration, run.statistics.totalEvents,
                                 run.statistics.lostEvents, run.command.joined(separator: " "), run.failure, run.program.source,
                                 ISO8601DateFormatter().string(from: Date())])
            let runID = db.lastInsertedRowID
            for (index, probe) in run.program.probes.enumerated() {
                try db.execute(sql: "INSERT INTO probes (run_id, probe_index, name, function, resolved, format) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [runID, index, probe.name, probe.function, probe.resolved, probe.format?.text])
            }
            let insertEvent = try db.makeStatement(sql: """
                INSERT INTO events (run_id, probe, timestamp, pid, tid, uid, cpu, comm, message, raw_args)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for event in run.events {
                let rawArgs = JSONWriter.serialize(.object(event.rawArgs.map { ($0.name, $0.value.json) }))
                try insertEvent.execute(arguments: [runID, run.program.probes[event.probeIndex].name, event.timestamp, event.pid, event.tid,
                                                    event.uid, event.cpu, ByteText.decode(event.comm), ByteText.decode(event.message), rawArgs])
            }
            for result in run.aggregations {
                for row in result.rows {
                    let keys = JSONWriter.serialize(.array(row.keys.map(\.json)))
                    switch row.value {
                    case .scalar(let value):
                        try db.execute(sql: "INSERT INTO aggregations (run_id, aggregation, keys, value) VALUES (?, ?, ?, ?)",
                                       arguments: [runID, result.title, keys, value])
                    case .histogram(let buckets):
                        for bucket in buckets {
                            try db.execute(sql: "INSERT INTO aggregations (run_id, aggregation, keys, low, high, count) VALUES (?, ?, ?, ?, ?, ?)",
                                           arguments: [runID, result.title, keys, bucket.low, bucket.high, bucket.count])
                        }
                    }
                }
            }
            return runID
        }
    }

    static func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                session_run INTEGER NOT NULL,      -- the run's id in the tracesh session that saved it
                state TEXT NOT NULL,
                started_at INTEGER,                -- first event, nanoseconds since the epoch
                duration_s REAL NOT NULL,
                total_events INTEGER NOT NULL,
                lost_events INTEGER NOT NULL,
                command TEXT NOT NULL,
                failure TEXT,
                program TEXT NOT NULL,             -- the bpftrace program that ran
                saved_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS probes (
                run_id INTEGER NOT NULL REFERENCES runs(id),
                probe_index INTEGER NOT NULL,
                name TEXT NOT NULL,
                function TEXT NOT NULL,
                resolved TEXT NOT NULL,
                format TEXT
            );
            CREATE TABLE IF NOT EXISTS events (
                run_id INTEGER NOT NULL REFERENCES runs(id),
                probe TEXT NOT NULL,
                timestamp INTEGER NOT NULL,        -- nanoseconds since the epoch
                pid INTEGER NOT NULL,
                tid INTEGER NOT NULL,
                uid INTEGER NOT NULL,
                cpu INTEGER NOT NULL,
                comm TEXT NOT NULL,                -- bytes that are not UTF-8 written \\xHH
                message TEXT NOT NULL,
                raw_args TEXT NOT NULL             -- JSON object
            );
            CREATE INDEX IF NOT EXISTS events_time ON events (timestamp);
            CREATE INDEX IF NOT EXISTS events_pid ON events (pid);
            CREATE INDEX IF NOT EXISTS events_comm ON events (comm);
            CREATE TABLE IF NOT EXISTS aggregations (
                run_id INTEGER NOT NULL REFERENCES runs(id),
                aggregation TEXT NOT NULL,         -- what 'agg' said
                keys TEXT NOT NULL,                -- JSON array
                value INTEGER,                     -- count, sum, avg, min, max
                low INTEGER,                       -- hist, lhist: one row per bucket
                high INTEGER,
                count INTEGER
            );
            """)
    }
}
