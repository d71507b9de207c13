import Foundation
import TraceshModel

/// Maps a problem description ("file not found", "slow disk", "who spawns processes") to probe
/// specs worth trying first, the way an experienced SRE would reach for them.
public enum ProbeSuggester {
    /// A suggested probe: a spec to paste after `probe`, and why it fits.
    public struct Suggestion: Hashable, Sendable {
        public var spec: String
        public var reason: String
    }

    private struct Rule {
        var keywords: [String]
        var suggestions: [Suggestion]
    }

    private static let rules: [Rule] = [
        Rule(keywords: ["file", "open", "not found", "enoent", "missing", "path", "config", "permission", "denied", "eacces"], suggestions: [
            Suggestion(spec: #"sys_openat "open %s", arg2@user"#, reason: "every file a process tries to open"),
            Suggestion(spec: #"r::sys_openat (retval < 0) "open failed: %d", retval"#, reason: "failed opens (-2 ENOENT, -13 EACCES)"),
            Suggestion(spec: #"sys_unlinkat "unlink %s", arg2@user"#, reason: "files being deleted"),
        ]),
        Rule(keywords: ["read", "slow io", "io", "input", "throughput"], suggestions: [
            Suggestion(spec: #"sys_read (arg3 > 1024) "read %d bytes from fd %d", arg3, arg1"#, reason: "large reads"),
            Suggestion(spec: #"r::sys_read (retval < 0) "read failed: %d", retval"#, reason: "failing reads"),
        ]),
        Rule(keywords: ["write", "log", "output", "disk full", "enospc"], suggestions: [
            Suggestion(spec: #"sys_write "write %d bytes to fd %d", arg3, arg1"#, reason: "writes and their sizes"),
            Suggestion(spec: #"r::sys_write (retval < 0) "write failed: %d", retval"#, reason: "failing writes (-28 ENOSPC)"),
        ]),
        Rule(keywords: ["process", "exec", "spawn", "command", "cron", "started", "fork"], suggestions: [
            Suggestion(spec: "t:sched:sched_process_exec", reason: "every program that starts"),
            Suggestion(spec: "t:sched:sched_process_fork", reason: "process creation"),
            Suggestion(spec: "t:sched:sched_process_exit", reason: "processes exiting"),
        ]),
        Rule(keywords: ["network", "connect", "connection", "socket", "tcp", "refused", "timeout", "dns", "http"], suggestions: [
            Suggestion(spec: #"sys_connect "connect fd %d", arg1"#, reason: "outgoing connections"),
            Suggestion(spec: #"r::sys_connect (retval < 0) "connect failed: %d", retval"#, reason: "failed connections (-111 ECONNREFUSED)"),
            Suggestion(spec: #"sys_accept4 "accept on fd %d", arg1"#, reason: "incoming connections"),
        ]),
        Rule(keywords: ["memory", "malloc", "leak", "oom", "allocation", "rss"], suggestions: [
            Suggestion(spec: #"u:c:malloc "malloc %d bytes", arg1"#, reason: "heap allocations in libc"),
            Suggestion(spec: #"sys_mmap "mmap %d bytes", arg2"#, reason: "memory mappings"),
            Suggestion(spec: #"sys_brk"#, reason: "heap growth"),
        ]),
        Rule(keywords: ["disk", "block", "storage", "latency", "iops"], suggestions: [
            Suggestion(spec: "t:block:block_rq_issue", reason: "block I/O requests sent to the device"),
            Suggestion(spec: "t:block:block_rq_complete", reason: "block I/O completions"),
        ]),
        Rule(keywords: ["signal", "kill", "killed", "crash", "segfault", "terminated"], suggestions: [
            Suggestion(spec: #"sys_kill "kill pid %d with signal %d", arg1, arg2"#, reason: "who sends signals to whom"),
            Suggestion(spec: "t:signal:signal_generate", reason: "every signal generated, including faults"),
        ]),
        Rule(keywords: ["cpu", "scheduling", "slow", "hang", "stuck", "sleep", "wait"], suggestions: [
            Suggestion(spec: "t:sched:sched_switch", reason: "context switches: who runs and who waits"),
            Suggestion(spec: #"sys_nanosleep"#, reason: "explicit sleeps"),
            Suggestion(spec: #"sys_futex"#, reason: "lock waits"),
        ]),
    ]

    /// Suggestions for `text`, best matches first; empty when nothing matches.
    public static func suggestions(for text: String) -> [Suggestion] {
        let lowered = text.lowercased()
        let words = Set(lowered.split { !$0.isLetter && !$0.isNumber }.map(String.init))
        let scored = rules.enumerated().compactMap { index, rule -> (Int, Int, Rule)? in
            let score = rule.keywords.reduce(0) { total, keyword in
                let hit = keyword.contains(" ") ? lowered.contains(keyword) : words.contains(keyword) || words.contains(keyword + "s")
                return total + (hit ? (keyword.contains(" ") ? 2 : 1) : 0)
            }
            return score > 0 ? (score, index, rule) : nil
        }
        var seen = Set<String>()
        return scored.sorted { ($0.0, -$0.1) > ($1.0, -$1.1) }
            .flatMap(\.2.suggestions)
            .filter { seen.insert($0.spec).inserted }
    }

    /// The suggestions as a table for `suggest`.
    public static func table(for text: String) -> ResultTable {
        ResultTable(columns: ["spec", "why"], rows: suggestions(for: text).map { [.string($0.spec), .string($0.reason)] })
    }
}
