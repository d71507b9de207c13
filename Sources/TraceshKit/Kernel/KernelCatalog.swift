import Foundation
import Synchronization
import TraceshModel
import TraceshFiles

/// What the running kernel offers to trace, read from tracefs (never from a hard-coded table):
/// tracepoints and their formats, the syscalls that have tracepoints, and which probe types exist.
///
/// Built from a root directory so tests can point it at a small fake tracefs tree. tracefs is
/// root-only on most machines: `scripts/cache-catalog` (run by `scripts/setup`) copies the
/// tracepoint catalog to a world-readable directory keyed by kernel release, which `live` falls
/// back to: `available_events` as in tracefs, `formats` (every `events/C/E/format`, each after a
/// `==> events/C/E/format <==` line, as `tail -n +1` prints them), and empty `kprobe_events` /
/// `uprobe_events` where the kernel has them.
public final class KernelCatalog: Sendable {
    /// The tracefs mount (`/sys/kernel/tracing`), or the cache directory standing in for it.
    public let tracefs: String
    /// True when `tracefs` is the cached copy, not the kernel's own tracefs.
    public let isCache: Bool
    private let formats = Mutex<[String: TracepointFormat]>([:])
    private let eventList = Mutex<[String]?>(nil)
    /// The uapi header syscall numbers come from (tracefs does not carry them).
    public let syscallHeader: String
    private let syscallTableCache = Mutex<SyscallTable?>(nil)
    /// A cache's `formats` file, split by tracepoint (read once, when first needed).
    private let cachedFormats = Mutex<[String: String]?>(nil)

    public init(tracefs: String = "/sys/kernel/tracing", syscallHeader: String = SyscallTable.defaultHeader, isCache: Bool = false) {
        self.tracefs = tracefs
        self.isCache = isCache
        self.syscallHeader = syscallHeader
    }

    /// Syscall numbers and names (read once).
    public func syscallTable() -> SyscallTable {
        if let cached = syscallTableCache.withLock({ $0 }) { return cached }
        let table = SyscallTable(path: syscallHeader)
        syscallTableCache.withLock { $0 = table }
        return table
    }

    /// The catalog of the machine tracesh runs on: tracefs when this user can read it, else the
    /// cache `scripts/setup` made for this kernel release (if there is one).
    public static let live = preferred()

    /// `tracefs` when readable, else `cache` (`cacheDirectory()` unless given) when readable, else
    /// `tracefs` (unreadable: what needs it says so).
    public static func preferred(tracefs: String = "/sys/kernel/tracing", cache: String? = nil) -> KernelCatalog {
        let kernel = KernelCatalog(tracefs: tracefs)
        if kernel.isReadable { return kernel }
        let cached = KernelCatalog(tracefs: cache ?? cacheDirectory(), isCache: true)
        return cached.isReadable ? cached : kernel
    }

    /// Where the cached catalog of the running kernel lives:
    /// `$TRACESH_CATALOG_CACHE/catalog-RELEASE`, by default under `/var/cache/tracesh`.
    public static func cacheDirectory(release: String = kernelRelease()) -> String {
        let root = ProcessInfo.processInfo.environment["TRACESH_CATALOG_CACHE"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/cache/tracesh"
        return root + "/catalog-" + release
    }

    /// `uname -r`.
    public static func kernelRelease() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Where the catalog was read from, for `caps` and `show bpftrace`.
    public var sourceDescription: String {
        guard isReadable else { return "none: tracefs (\(tracefs)) is not readable and there is no cached catalog" }
        return isCache ? "the cached catalog \(tracefs) (tracefs is not readable by this user)" : "tracefs (\(tracefs))"
    }

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
              let text = isCache ? cachedFormat(of: "\(parts[0])/\(parts[1])") : VirtualFile.read("\(tracefs)/events/\(parts[0])/\(parts[1])/format")
        else { return nil }
        let format = TracepointFormat(name: name, formatFile: text)
        formats.withLock { $0[name] = format }
        return format
    }

    /// `category/event`'s format text from a cache's `formats` file.
    private func cachedFormat(of path: String) -> String? {
        if let formats = cachedFormats.withLock({ $0 }) { return formats[path] }
        var formats: [String: String] = [:]
        var current: String?
        var lines: [Substring] = []
        func finish() {
            guard let current else { return }
            // `tail` puts an empty line between files.
            if lines.last?.isEmpty == true { lines.removeLast() }
            formats[current] = lines.joined(separator: "\n") + "\n"
        }
        for line in (VirtualFile.read(tracefs + "/formats") ?? "").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("==> events/") && line.hasSuffix("/format <==") {
                finish()
                current = String(line.dropFirst("==> events/".count).dropLast("/format <==".count))
                lines = []
            } else {
                lines.append(line)
            }
        }
        finish()
        cachedFormats.withLock { $0 = formats }
        return formats[path]
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
