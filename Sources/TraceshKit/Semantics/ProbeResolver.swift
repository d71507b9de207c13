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
            throw Diagnostic("cannot read the kernel's tracepoints: tracefs is not mounted or not readable (mount -t tracefs nodev \(catalog.tracefs), or run as root)", at: nil)
        }
    }

    private func resolveTracepoint(_ name: String) throws -> ResolvedProbe {
        try requireTracefs()
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
            let close = Suggestions.closest(to: syscall, in: syscalls)
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
            attachments.append(.init(probe: "tracepoint:" + tracepoint, format: format, syscallArguments: arguments))
        }
        var note = "\(spec.target) -> " + attachments.map { String($0.probe.dropFirst("tracepoint:".count)) }.joined(separator: ", ")
        if family.count > 1 { note += " (sys_open covers the open family libc uses: \(family.joined(separator: ", ")))" }
        return ResolvedProbe(kind: isReturn ? .syscallExit : .syscallEntry, attachments: attachments, note: note)
    }

    /// "; try 'sys_openat' (tracepoint syscalls:sys_enter_openat)" for a kernel function like do_sys_open.
    private func nearestSyscall(to function: String, in syscalls: [String]) -> String {
        var stem = function
        for prefix in ["__x64_", "__", "do_", "ksys_", "vfs_", "sys_"] where stem.hasPrefix(prefix) { stem.removeFirst(prefix.count) }
        for prefix in ["sys_", "do_"] where stem.hasPrefix(prefix) { stem.removeFirst(prefix.count) }
        var candidates = syscalls.filter { $0 == stem || $0 == stem + "at" }
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

    private func resolveUser(_ spec: TraceSpec, preferUSDT: Bool) throws -> ResolvedProbe {
        let library = spec.library ?? ""
        let name = library == "c" ? "libc.so.6" : library
        guard let path = libraries.resolve(name) else {
            throw Diagnostic("cannot find library or binary '\(library)' (looked in the linker paths and on PATH)", at: nil)
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
            throw Diagnostic("no function '\(spec.target)' in \(path)" + (preferUSDT ? " (and no USDT probe of that name)" : "")
                             + (close.isEmpty ? "" : "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?"), at: nil)
        }
        if catalog.isReadable && !catalog.hasUprobes { throw Diagnostic("uprobes are not available on this kernel", at: nil) }
        let isReturn = spec.type == .return
        let kind: ResolvedProbe.Kind = isReturn ? .uretprobe : .uprobe
        let note = preferUSDT ? "u:\(library):\(spec.target) -> uprobe on function \(spec.target) in \(path) (no USDT probe of that name)"
                              : "\(spec.type.rawValue):\(library):\(spec.target) -> \(kind.rawValue) on \(path)"
        return ResolvedProbe(kind: kind, attachments: [.init(probe: "\(isReturn ? "uretprobe" : "uprobe"):\(quotedPath):\(spec.target)", format: nil, syscallArguments: [])],
                             note: note)
    }
}
