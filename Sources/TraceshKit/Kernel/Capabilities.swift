import Foundation
import Synchronization
import TraceshModel
import TraceshFiles

/// What this machine can trace, each with a one-line reason and, when missing, a fix.
public struct Capability: Hashable, Sendable {
    public var name: String
    public var available: Bool
    public var reason: String
    public var fix: String

    public init(name: String, available: Bool, reason: String, fix: String = "") {
        self.name = name
        self.available = available
        self.reason = reason
        self.fix = fix
    }
}

/// Probes the machine for everything a run needs: eBPF, bpftrace, privileges, tracefs/debugfs,
/// BTF, and which probe types the kernel offers.
public struct Capabilities: Sendable {
    public var all: [Capability]

    public init(all: [Capability]) { self.all = all }

    public subscript(name: String) -> Capability? { all.first { $0.name == name } }

    /// Reads the running system.
    public static func detect(catalog: KernelCatalog = .live, bpftrace: String? = BpftraceLocator.find()) -> Capabilities {
        let fileManager = FileManager.default
        var all: [Capability] = []

        let bpfEnabled = fileManager.fileExists(atPath: "/proc/sys/kernel/unprivileged_bpf_disabled") || fileManager.fileExists(atPath: "/sys/fs/bpf")
        all.append(Capability(name: "kernel_ebpf", available: bpfEnabled,
                              reason: bpfEnabled ? "the kernel has the bpf() system call (/proc/sys/kernel/unprivileged_bpf_disabled exists)" : "no sign of eBPF in /proc/sys/kernel or /sys/fs/bpf",
                              fix: bpfEnabled ? "" : "use a kernel built with CONFIG_BPF_SYSCALL"))

        all += runNeeds(catalog: catalog, bpftrace: bpftrace, withVersion: true)

        let debugfs = isMounted("/sys/kernel/debug", type: "debugfs")
        all.append(Capability(name: "debugfs", available: debugfs, reason: debugfs ? "mounted at /sys/kernel/debug" : "not mounted at /sys/kernel/debug",
                              fix: debugfs ? "" : "mount -t debugfs nodev /sys/kernel/debug (scripts/setup does this)"))

        let btf = fileManager.fileExists(atPath: "/sys/kernel/btf/vmlinux")
        all.append(Capability(name: "btf", available: btf, reason: btf ? "/sys/kernel/btf/vmlinux exists" : "no /sys/kernel/btf/vmlinux",
                              fix: btf ? "" : "use a kernel built with CONFIG_DEBUG_INFO_BTF"))

        let kprobes = catalog.hasKprobes
        all.append(Capability(name: "kprobes", available: kprobes,
                              reason: kprobes ? "kprobe_events exists in tracefs" : (catalog.isReadable ? "the kernel has no kprobes (no kprobe_events in tracefs: CONFIG_KPROBES is off)" : "unknown: tracefs is not readable"),
                              fix: kprobes ? "" : "use syscall specs (sys_read -> tracepoint syscalls:sys_enter_read) or t:category:event tracepoints"))

        all.append(Capability(name: "kfunc", available: false,
                              reason: kprobes ? "bpftrace 0.17 cannot attach kfunc/fentry probes on this kernel" : "needs BTF and fentry support; bpftrace 0.17 cannot use it here",
                              fix: "use tracepoints"))

        let uprobes = catalog.hasUprobes
        all.append(Capability(name: "uprobes", available: uprobes,
                              reason: uprobes ? "uprobe_events exists in tracefs" : (catalog.isReadable ? "no uprobe_events in tracefs (CONFIG_UPROBE_EVENTS is off)" : "unknown: tracefs is not readable"),
                              fix: uprobes ? "" : "use a kernel with CONFIG_UPROBE_EVENTS"))

        let tracepoints = catalog.isReadable && !catalog.tracepoints().isEmpty
        all.append(Capability(name: "tracepoints", available: tracepoints,
                              reason: tracepoints ? "\(catalog.tracepoints().count) tracepoints in tracefs (\(catalog.syscalls().count) syscalls)" : "tracefs is not readable, so no tracepoints can be listed",
                              fix: tracepoints ? "" : "mount tracefs and run as root"))
        return Capabilities(all: all)
    }

    /// Only what a run needs (bpftrace, privileges, tracefs), without starting bpftrace to ask
    /// its version: a run checks these each time, and `bpftrace --version` cost 40-60 ms a run.
    public static func forRun(catalog: KernelCatalog = .live, bpftrace: String? = BpftraceLocator.find()) -> Capabilities {
        Capabilities(all: runNeeds(catalog: catalog, bpftrace: bpftrace, withVersion: false))
    }

    private static func runNeeds(catalog: KernelCatalog, bpftrace: String?, withVersion: Bool) -> [Capability] {
        var all: [Capability] = []
        if let bpftrace {
            let version = withVersion ? " (\(BpftraceLocator.version(of: bpftrace) ?? "unknown version"))" : ""
            all.append(Capability(name: "bpftrace", available: true, reason: "\(bpftrace)\(version)"))
        } else {
            all.append(Capability(name: "bpftrace", available: false, reason: "no bpftrace on PATH", fix: "apt-get install bpftrace (or run scripts/setup)"))
        }

        let privileged = geteuid() == 0 || hasBPFCapabilities()
        all.append(Capability(name: "root_access", available: privileged,
                              reason: geteuid() == 0 ? "running as root" : (privileged ? "CAP_BPF and CAP_PERFMON are effective" : "not root and without CAP_BPF+CAP_PERFMON"),
                              fix: privileged ? "" : "run tracesh with sudo (parsing, show bpftrace, save and load work without it)"))

        let tracefs = isMounted("/sys/kernel/tracing", type: "tracefs")
        all.append(Capability(name: "tracefs", available: tracefs && catalog.isReadable,
                              reason: tracefs ? (catalog.isReadable ? "mounted at /sys/kernel/tracing" : "mounted but not readable by this user") : "not mounted at /sys/kernel/tracing",
                              fix: tracefs ? (catalog.isReadable ? "" : "run as root") : "mount -t tracefs nodev /sys/kernel/tracing (scripts/setup does this)"))
        return all
    }

    /// The capabilities a run needs that are missing, with their fixes, as one message; nil when all are there.
    public func missingForRun() -> String? {
        let needed = ["bpftrace", "root_access", "tracefs"]
        let missing = needed.compactMap { self[$0] }.filter { !$0.available }
        guard !missing.isEmpty else { return nil }
        return missing.map { "\($0.name): \($0.reason) (fix: \($0.fix))" }.joined(separator: "; ")
    }

    /// The capabilities as a table for `caps`.
    public var table: ResultTable {
        ResultTable(columns: ["capability", "available", "reason", "fix"],
                    rows: all.map { [.string($0.name), .bool($0.available), .string($0.reason), .string($0.fix)] })
    }

    static func isMounted(_ path: String, type: String) -> Bool {
        guard let mounts = VirtualFile.read("/proc/self/mounts") else { return false }
        return mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == path && fields[2] == type
        }
    }

    /// CAP_BPF (39) and CAP_PERFMON (38) in the effective set, from /proc/self/status.
    static func hasBPFCapabilities() -> Bool {
        guard let status = VirtualFile.read("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << 39) != 0 && mask & (1 << 38) != 0
    }
}

/// Finds bpftrace and asks its version.
public enum BpftraceLocator {
    /// `$TRACESH_BPFTRACE`, else the first `bpftrace` on PATH.
    public static func find() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let override = environment["TRACESH_BPFTRACE"] {
            return ExecutableSearch.isExecutable(override) ? override : nil
        }
        // sbin is often missing from a non-root PATH, and bpftrace lives there on some systems.
        return ExecutableSearch.find("bpftrace", fallbacks: ["/usr/sbin", "/usr/bin"])
    }

    /// Versions already asked, by the binary's identity (path, device, inode, size, mtime): a
    /// binary replaced in place is asked again.
    private static let versions = Mutex<[String: String]>([:])

    /// `v0.17.0` from `bpftrace --version`, asked once per binary in this process.
    public static func version(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return askVersion(of: path) }
        let identity = "\(path)\u{0}\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        if let known = versions.withLock({ $0[identity] }) { return known }
        let version = askVersion(of: path)
        if let version { versions.withLock { $0[identity] = version } }
        return version
    }

    private static func askVersion(of path: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last.map(String.init)
    }
}
