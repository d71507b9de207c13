import Foundation
import Synchronization
import TraceshModel
import TraceshFiles

/// What the running kernel offers to trace, read from tracefs (never from a hard-coded table):
/// tracepoints and their formats, the syscalls that have tracepoints, and which probe types exist.
///
/// Built from a root directory so tests can point it at a small fake tracefs tree.
public final class KernelCatalog: Sendable {
    /// The tracefs mount (`/sys/kernel/tracing`).
    public let tracefs: String
    private let formats = Mutex<[String: TracepointFormat]>([:])
    private let eventList = Mutex<[String]?>(nil)
    /// The uapi header syscall numbers come from (tracefs does not carry them).
    public let syscallHeader: String
    private let syscallTableCache = Mutex<SyscallTable?>(nil)

    public init(tracefs: String = "/sys/kernel/tracing", syscallHeader: String = SyscallTable.defaultHeader) {
        self.tracefs = tracefs
        self.syscallHeader = syscallHeader
    }

    /// Syscall numbers and names (read once).
    public func syscallTable() -> SyscallTable {
        if let cached = syscallTableCache.withLock({ $0 }) { return cached }
        let table = SyscallTable(path: syscallHeader)
        syscallTableCache.withLock { $0 = table }
        return table
    }

    /// The catalog of the machine tracesh runs on.
    public static let live = KernelCatalog()

    /// Whether tracefs is there and readable (mounted, and we may read it).
    public var isReadable: Bool {
        FileManager.default.isReadableFile(atPath: tracefs + "/available_events")
            || FileManager.default.fileExists(atPath: tracefs + "/events/syscalls")
    }

    /// A kernel with CONFIG_KPROBES has `kprobe_events` in tracefs.
    public var hasKprobes: Bool { FileManager.default.fileExists(atPath: tracefs + "/kprobe_events") }
    /// A kernel with CONFIG_UPROBE_EVENTS has `uprobe_events` in tracefs.
    public var hasUprobes: Bool { FileManager.default.fileExists(atPath: tracefs + "/uprobe_events") }

    /// Every tracepoint as `category:event`, sorted.
    public func tracepoints() -> [String] {
        if let cached = eventList.withLock({ $0 }) { return cached }
        var names: [String] = []
        if let text = VirtualFile.read(tracefs + "/available_events") {
            names = text.split(separator: "\n").map(String.init)
        } else if let categories = try? FileManager.default.contentsOfDirectory(atPath: tracefs + "/events") {
            for category in categories {
                let events = (try? FileManager.default.contentsOfDirectory(atPath: tracefs + "/events/" + category)) ?? []
                names += events.filter { !["enable", "filter"].contains($0) }.map { category + ":" + $0 }
            }
        }
        names.sort()
        eventList.withLock { $0 = names }
        return names
    }

    public func hasTracepoint(_ name: String) -> Bool {
        let parts = name.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return false }
        return FileManager.default.fileExists(atPath: "\(tracefs)/events/\(parts[0])/\(parts[1])/format")
            || tracepoints().contains(name)
    }

    /// The format of `category:event`, or nil when there is no such tracepoint (or tracefs is unreadable).
    public func format(of name: String) -> TracepointFormat? {
        if let cached = formats.withLock({ $0[name] }) { return cached }
        let parts = name.split(separator: ":", maxSplits: 1)
        guard parts.count == 2,
              let text = VirtualFile.read("\(tracefs)/events/\(parts[0])/\(parts[1])/format")
        else { return nil }
        let format = TracepointFormat(name: name, formatFile: text)
        formats.withLock { $0[name] = format }
        return format
    }

    /// Syscalls that have entry tracepoints (`read`, `openat`, ...), sorted.
    public func syscalls() -> [String] {
        tracepoints().compactMap { name in
            name.hasPrefix("syscalls:sys_enter_") ? String(name.dropFirst("syscalls:sys_enter_".count)) : nil
        }
    }

    /// Tracepoints whose names are closest to `word`, for "did you mean" messages.
    public func nearestTracepoints(to word: String, limit: Int = 3) -> [String] {
        let all = tracepoints()
        let events = all.map { String($0.split(separator: ":").last ?? "") }
        let close = Suggestions.closest(to: word, in: events, limit: limit)
        var result: [String] = []
        for event in close { if let full = all.first(where: { $0.hasSuffix(":" + event) }) { result.append(full) } }
        if result.isEmpty {
            // Fall back to tracepoints that share a word with the function (do_sys_open -> *open*).
            let pieces = word.split(separator: "_").filter { $0.count >= 4 }
            result = all.filter { name in pieces.contains { name.contains($0) } }.prefix(limit).map { $0 }
        }
        return result
    }
}
