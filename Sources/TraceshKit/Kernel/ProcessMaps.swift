import Foundation
import TraceshModel

/// One line of `/proc/PID/maps`: an address range mapped from a file at an offset.
public struct ProcessMapping: Hashable, Sendable, Codable {
    public var start: UInt64
    public var end: UInt64
    public var offset: UInt64
    /// The file (or `[vdso]`, `[stack]`, ...); empty for an anonymous mapping.
    public var path: String
    public var executable: Bool

    public init(start: UInt64, end: UInt64, offset: UInt64, path: String, executable: Bool) {
        self.start = start
        self.end = end
        self.offset = offset
        self.path = path
        self.executable = executable
    }

    /// `/tmp/x/helper` -> `helper`, `[vdso]` stays.
    public var module: String { path.split(separator: "/").last.map(String.init) ?? (path.isEmpty ? "[anon]" : path) }
}

/// `/proc/PID/maps` read and parsed.
public enum ProcessMaps {
    /// Parses maps text: `start-end perms offset dev inode [path]` per line; lines that do not
    /// fit are skipped.
    public static func parse(_ text: String) -> [ProcessMapping] {
        text.split(separator: "\n").compactMap { line -> ProcessMapping? in
            let parts = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard parts.count >= 5 else { return nil }
            let range = parts[0].split(separator: "-")
            guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
                  let offset = UInt64(parts[2], radix: 16) else { return nil }
            let path = parts.count > 5 ? parts[5].trimmingCharacters(in: .whitespaces) : ""
            return ProcessMapping(start: start, end: end, offset: offset, path: path, executable: parts[1].contains("x"))
        }
    }

    /// A /proc file read to its end (its size says 0, so a sized read gets nothing).
    static func readProcFile(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The mappings of a live process; nil when it is gone (or unreadable).
    public static func read(pid: Int64) -> [ProcessMapping]? {
        guard let text = readProcFile("/proc/\(pid)/maps") else { return nil }
        let mappings = parse(text)
        return mappings.isEmpty ? nil : mappings
    }
}

/// The kernel's symbols from `/proc/kallsyms` (text symbols only), sorted by address.
public struct KernelSymbols: Sendable {
    public let symbols: [ELFSymbol]

    public init(text: String) {
        var symbols: [ELFSymbol] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 3)
            guard parts.count >= 3, let address = UInt64(parts[0], radix: 16), address != 0,
                  ["t", "T", "w", "W"].contains(parts[1]), !parts[2].hasPrefix("__pfx_") else { continue }
            symbols.append(ELFSymbol(name: String(parts[2].split(separator: "\t").first ?? parts[2]), address: address, size: 0))
        }
        symbols.sort { $0.address < $1.address }
        self.symbols = symbols
    }

    /// Reads `/proc/kallsyms` (addresses are zero unless root).
    public static func system() -> KernelSymbols {
        KernelSymbols(text: ProcessMaps.readProcFile("/proc/kallsyms") ?? "")
    }

    /// `do_sys_openat2+0x1c`-style name and offset of `address`.
    public func symbol(at address: UInt64) -> (name: String, offset: UInt64)? {
        var low = 0, high = symbols.count
        while low < high {
            let middle = (low + high) / 2
            if symbols[middle].address <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        return (symbols[low - 1].name, address - symbols[low - 1].address)
    }
}
