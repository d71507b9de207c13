import Foundation
import TraceshModel
import TraceshKernel

/// Resolves trace.py specs against what the kernel and the file system offer.
public struct ProbeResolver: Sendable {
    public var catalog: KernelCatalog
    public var libraries: LibraryResolver

    public init(catalog: KernelCatalog, libraries: LibraryResolver = LibraryResolver()) {
        self.catalog = catalog
        self.libraries = libraries
    }

    /// Prefixes kernels and trace.py users put before a syscall's name.
    static let syscallPrefixes = ["__x64_sys_", "__ia32_sys_", "__se_sys_", "__do_sys_", "SyS_", "sys_"]

    /// The syscall a kernel function name stands for (`__x64_sys_read` -> `read`), or nil.
    public static func syscallName(_ function: String) -> String? {
        for prefix in syscallPrefixes where function.hasPrefix(prefix) && function.count > prefix.count {
            return String(function.dropFirst(prefix.count))
        }
        return nil
    }

    public func resolve(_ spec: TraceSpec) throws -> ResolvedProbe {
        switch spec.type {
        case .tracepoint: return try resolveTracepoint(spec.target)
        case .user: return try resolveUser(spec, preferUSDT: true)
        case .entry, .return:
            if spec.library != nil { return try resolveUser(spec, preferUSDT: false) }
            return try resolveKernel(spec)
        }
    }

    private func requireTracefs() throws {
        guard catalog.isReadable else {
            // (An unreadable catalog is tracefs itself: `KernelCatalog.live` falls back to a readable cache.)
            throw Diagnostic("cannot read the kernel's tracepoints: tracefs is not mounted or not readable, and there is no cached catalog in \(KernelCatalog.cacheDirectory()) (mount -t tracefs nodev /sys/kernel/tracing, or run as root, or run scripts/setup to cache the catalog)", at: nil)
        }
    }

    private func resolveTracepoint(_ name: String) throws -> ResolvedProbe {
        try requireTracefs()
        if name.contains("*") { return try resolveTracepointPattern(name) }
        guard let format = catalog.format(of: name) else {
            let event = String(name.split(separator: ":").last ?? "")
            let near = catalog.nearestTracepoints(to: event)
            throw Diagnostic("no tracepoint '\(name)' on this kernel" + (near.isEmpty ? "" : "; did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?"), at: nil)
        }
        return ResolvedProbe(kind: .tracepoint, attachments: [.init(probe: "tracepoint:" + name, format: format, syscallArguments: [])],
                             note: "tracepoint \(name)")
    }

    private func resolveKernel(_ spec: TraceSpec) throws -> ResolvedProbe {
        try requireTracefs()
        let isReturn = spec.type == .return
        let phase = isReturn ? "exit" : "enter"
        let syscalls = catalog.syscalls()
        if spec.target.contains("*") {
            guard let pattern = Self.syscallName(spec.target) else {
                throw Diagnostic("'\(spec.target)': wildcards in kernel function names match syscalls only, as in sys_* or sys_*read* (this kernel has no kprobes)", at: nil)
            }
            return try resolveEverySyscall(pattern, isReturn: isReturn, spelling: spec.target)
        }
        guard let syscall = Self.syscallName(spec.target) else {
            let suggestion = nearestSyscall(to: spec.target, in: syscalls)
            if catalog.hasKprobes {
                throw Diagnostic("kernel function '\(spec.target)' would need a kprobe, which tracesh does not generate yet" + suggestion, at: nil)
            }
            throw Diagnostic("kernel function '\(spec.target)' needs kprobes, which this kernel lacks" + suggestion, at: nil)
        }
        // `sys_open` means the open family libc really uses.
        let family = syscall == "open" ? ["open", "openat", "openat2"].filter(syscalls.contains) : [syscall]
        guard !family.isEmpty, family.allSatisfy(syscalls.contains) else {
            // The kernel's own name first (`stat` is `newstat`'s tracepoint), then near spellings.
            let kernelName = SyscallTable.tracefsName(ofUAPIName: syscall).map { [$0] }?.filter(syscalls.contains) ?? []
            let close = (kernelName + Suggestions.closest(to: syscall, in: syscalls).filter { !kernelName.contains($0) }).prefix(3)
            throw Diagnostic("no syscall '\(syscall)' on this kernel" + (close.isEmpty ? "" : "; did you mean " + close.map { "'sys_\($0)'" }.joined(separator: " or ") + "?"), at: nil)
        }
        // trace.py's argN for the family follows `open`'s argument names.
        let reference = catalog.format(of: "syscalls:sys_enter_\(family.contains("open") ? "open" : family[0])")?.syscallArguments ?? []
        var attachments: [ResolvedProbe.Attachment] = []
        for name in family {
            let tracepoint = "syscalls:sys_\(phase)_\(name)"
            guard let format = catalog.format(of: tracepoint), let entry = catalog.format(of: "syscalls:sys_enter_\(name)") else {
                throw Diagnostic("cannot read the format of tracepoint \(tracepoint)", at: nil)
            }
            let arguments = family.count == 1 ? entry.syscallArguments : reference.map { wanted in
                entry.syscallArguments.first { $0.name == wanted.name } ?? TracepointFormat.Field(name: "", type: "", isSigned: false)
            }
            attachments.append(.init(probe: "tracepoint:" + tracepoint, format: format, syscallArguments: arguments,
                                     entryProbe: isReturn ? "tracepoint:syscalls:sys_enter_\(name)" : nil))
        }
        var note = "\(spec.target) -> " + attachments.map { String($0.probe.dropFirst("tracepoint:".count)) }.joined(separator: ", ")
        if family.count > 1 {
            note += " (\(spec.target) means \(family.joined(separator: ", ")): libc opens with openat; each event's function is its own syscall)"
        }
        return ResolvedProbe(kind: isReturn ? .syscallExit : .syscallEntry, attachments: attachments, note: note)
    }

    /// `category:PATTERN`: a pattern over syscall tracepoints becomes one raw_syscalls probe;
    /// over another category, each match is attached (and the note says how many).
    private func resolveTracepointPattern(_ name: String) throws -> ResolvedProbe {
        let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
        let (category, event) = (parts[0], parts.count > 1 ? parts[1] : "")
        if category == "syscalls" {
            for (prefix, isReturn) in [("sys_enter_", false), ("sys_exit_", true)] where event.hasPrefix(prefix) {
                return try resolveEverySyscall(String(event.dropFirst(prefix.count)), isReturn: isReturn, spelling: "t:" + name)
            }
        }
        let matches = catalog.tracepoints().filter { $0.hasPrefix(category + ":") && Self.glob(event, matches: String($0.dropFirst(category.count + 1))) }
        guard !matches.isEmpty else {
            throw Diagnostic("no tracepoint matches 't:\(name)' on this kernel ('list \(category):*' shows the category's tracepoints)", at: nil)
        }
        let attachments = try matches.map { match -> ResolvedProbe.Attachment in
            guard let format = catalog.format(of: match) else { throw Diagnostic("cannot read the format of tracepoint \(match)", at: nil) }
            return .init(probe: "tracepoint:" + match, format: format, syscallArguments: [])
        }
        return ResolvedProbe(kind: .tracepoint, attachments: attachments,
                             note: "t:\(name) matches \(matches.count) tracepoint\(matches.count == 1 ? "" : "s"), each attached")
    }

    /// Syscalls matching `pattern` (`*`, `*read*`) through one `raw_syscalls` probe, keeping
    /// only their numbers when the pattern does not cover them all. Attaching ~360
    /// `syscalls:sys_enter_*` tracepoints takes bpftrace 0.17 about 26 s; this takes under 1 s.
    private func resolveEverySyscall(_ pattern: String, isReturn: Bool, spelling: String) throws -> ResolvedProbe {
        let syscalls = catalog.syscalls()
        let matching = syscalls.filter { Self.glob(pattern, matches: $0) }
        guard !matching.isEmpty else {
            throw Diagnostic("no syscall matches '\(spelling)' on this kernel ('list sys_*' shows the syscalls)", at: nil)
        }
        let raw = "raw_syscalls:" + (isReturn ? "sys_exit" : "sys_enter")
        guard let format = catalog.format(of: raw) else {
            throw Diagnostic("'\(spelling)' needs the tracepoint \(raw), which this kernel lacks", at: nil)
        }
        let table = catalog.syscallTable()
        let unnumbered = matching.filter { table.number(of: $0) == nil }
        // Every syscall: no predicate, so syscalls without a tracepoint of their own count too.
        let numbers: [Int64]? = matching.count == syscalls.count ? nil : matching.compactMap(table.number(of:)).sorted()
        if let numbers, numbers.isEmpty {
            throw Diagnostic("'\(spelling)' matches \(matching.joined(separator: ", ")), whose numbers the syscall table (\(catalog.syscallHeader)) lacks", at: nil)
        }
        var note = "\(spelling) -> \(raw), " + (numbers == nil ? "every syscall" : "\(matching.count) syscall\(matching.count == 1 ? "" : "s") by number")
            + " (function is each event's syscall)"
        if numbers != nil, !unnumbered.isEmpty { note += "; left out, no number known: " + unnumbered.joined(separator: ", ") }
        var attachment = ResolvedProbe.Attachment(probe: "tracepoint:" + raw, format: format, syscallArguments: [])
        attachment.syscallNumbers = numbers
        if isReturn { attachment.entryProbe = "tracepoint:raw_syscalls:sys_enter" }
        return ResolvedProbe(kind: isReturn ? .everySyscallExit : .everySyscallEntry, attachments: [attachment], note: note)
    }

    /// Shell-style `*` matching, as `list` uses.
    static func glob(_ pattern: String, matches name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }

    /// "; try 'sys_openat' (tracepoint syscalls:sys_enter_openat)" for a kernel function like do_sys_open.
    private func nearestSyscall(to function: String, in syscalls: [String]) -> String {
        var stem = function
        for prefix in ["__x64_", "__", "do_", "ksys_", "vfs_", "sys_"] where stem.hasPrefix(prefix) { stem.removeFirst(prefix.count) }
        for prefix in ["sys_", "do_"] where stem.hasPrefix(prefix) { stem.removeFirst(prefix.count) }
        var candidates = syscalls.filter { $0 == stem || $0 == stem + "at" || $0 == SyscallTable.tracefsName(ofUAPIName: stem) }
        if candidates.isEmpty { candidates = Suggestions.closest(to: stem, in: syscalls, limit: 2) }
        if candidates.isEmpty { candidates = syscalls.filter { $0.contains(stem) && stem.count >= 3 }.prefix(2).map { $0 } }
        // Prefer the *at variant libc really calls (open -> openat).
        candidates.sort { ($0.hasSuffix("at") ? 0 : 1, $0) < ($1.hasSuffix("at") ? 0 : 1, $1) }
        guard !candidates.isEmpty else {
            let tracepoints = catalog.nearestTracepoints(to: function)
            return tracepoints.isEmpty ? "; use a tracepoint instead (list shows them)" : "; try " + tracepoints.map { "'t:\($0)'" }.joined(separator: " or ")
        }
        return "; try " + candidates.map { "'sys_\($0)' (tracepoint syscalls:sys_enter_\($0))" }.joined(separator: " or ")
    }

    /// "; glibc 2.34 and later define it in libc: try 'u:c:pthread_create'" when the function is
    /// libc's (libpthread, libdl, librt and libutil were merged into it; their files are stubs).
    private func libcHint(_ spec: TraceSpec, besides path: String?) -> String {
        guard let libc = libraries.resolve("libc.so.6"), libc != path,
              let elf = try? ELFFile(path: libc), elf.functions.contains(spec.target) else { return "" }
        return "; glibc 2.34 and later define \(spec.target) in libc (\(libc)): try '\(spec.type.rawValue):c:\(spec.target)'"
    }

    private func resolveUser(_ spec: TraceSpec, preferUSDT: Bool) throws -> ResolvedProbe {
        let library = spec.library ?? ""
        let name = library == "c" ? "libc.so.6" : library
        guard let path = libraries.resolve(name) else {
            throw Diagnostic("cannot find library or binary '\(library)' (looked in the linker paths and on PATH)" + libcHint(spec, besides: nil), at: nil)
        }
        // Quoted, because real library names (`libstdc++.so.6`) are not bpftrace identifiers.
        guard !path.contains(where: { $0 == "\"" || $0 == "\\" || $0.isNewline }) else {
            throw Diagnostic("cannot trace '\(path)': bpftrace cannot name a path containing a quote, backslash or newline", at: nil)
        }
        let quotedPath = "\"\(path)\""
        let elf: ELFFile
        do { elf = try ELFFile(path: path) } catch { throw Diagnostic("cannot read '\(path)': \(error)", at: nil) }
        if preferUSDT, let probe = elf.usdtProbes.first(where: { $0.name == spec.target && $0.provider.first?.isIdentifierStart == true && $0.provider.allSatisfy(\.isIdentifierBody) }) {
            guard catalog.hasUprobes || !catalog.isReadable else { throw Diagnostic("USDT probes need uprobes, which this kernel lacks", at: nil) }
            return ResolvedProbe(kind: .usdt, attachments: [.init(probe: "usdt:\(quotedPath):\(probe.provider):\(probe.name)", format: nil, syscallArguments: [])],
                                 note: "u:\(library):\(spec.target) -> USDT probe \(probe.provider):\(probe.name) in \(path)")
        }
        guard elf.functions.contains(spec.target) else {
            let close = Suggestions.closest(to: spec.target, in: Array(elf.functions))
            let hint = libcHint(spec, besides: path)
            throw Diagnostic("no function '\(spec.target)' in \(path)" + (preferUSDT ? " (and no USDT probe of that name)" : "")
                             + (hint.isEmpty ? (close.isEmpty ? "" : "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?") : hint), at: nil)
        }
        if catalog.isReadable && !catalog.hasUprobes { throw Diagnostic("uprobes are not available on this kernel", at: nil) }
        let isReturn = spec.type == .return
        let kind: ResolvedProbe.Kind = isReturn ? .uretprobe : .uprobe
        let note = preferUSDT ? "u:\(library):\(spec.target) -> uprobe on function \(spec.target) in \(path) (no USDT probe of that name)"
                              : "\(spec.type.rawValue):\(library):\(spec.target) -> \(kind.rawValue) on \(path)"
        return ResolvedProbe(kind: kind, attachments: [.init(probe: "\(isReturn ? "uretprobe" : "uprobe"):\(quotedPath):\(spec.target)", format: nil, syscallArguments: [],
                                                             entryProbe: isReturn ? "uprobe:\(quotedPath):\(spec.target)" : nil)],
                             note: note)
    }
}
