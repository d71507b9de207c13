import Foundation
import TraceshModel

/// Names the frames of the stacks a run's bpftrace prints as bare addresses (`ustack(perf)`,
/// `kstack(perf)`): user frames from the process's `/proc/PID/maps`, read while it lives, and
/// tracesh's own ELF reader (`.symtab`, `.dynsym`); kernel frames from `/proc/kallsyms`.
///
/// One per run. A live run reads a process's maps at the first sight of its pid (`capture`),
/// and again when an address falls outside the mappings it knows, while the process lives. A
/// replay is given the recorded maps and names (`Snapshot`) and reads no `/proc` file.
///
/// An address no symbol covers is named `module+0xOFFSET` (the address as the module links it),
/// one outside every mapping `0xADDRESS`: never dropped.
public final class StackNamer: @unchecked Sendable {
    // Unchecked: every field is behind `lock`.
    private let lock = NSLock()
    private let live: Bool
    private var maps: [Int64: [ProcessMapping]] = [:]
    /// Pids whose maps could not be read (gone): not read again.
    private var gone: Set<Int64> = []
    private var names: [String: String] = [:]
    /// What the kernel reported each process mapped, not yet needed (see `learn`).
    private var reports: [Int64: [KernelMapping]] = [:]
    private var reportOrder: [Int64] = []
    private var files: [String: ELFFile?] = [:]
    private var kernel: KernelSymbols?
    /// The traced command (`run -- CMD`): a process whose maps were never read (it exited
    /// before tracesh saw its first event) is named from it when it is a fixed-address
    /// executable (static, not PIE) and the address is inside it.
    private let executable: String?

    public init(live: Bool, executable: String? = nil) {
        self.live = live
        self.executable = executable
    }

    /// What a recording keeps, so a replay names the same frames.
    public struct Snapshot: Codable, Sendable, Equatable {
        public var maps: [String: [ProcessMapping]]
        public var names: [String: String]
        public var executable: String?
    }

    public init(snapshot: Snapshot) {
        live = false
        executable = snapshot.executable
        names = snapshot.names
        for (pid, mappings) in snapshot.maps { if let pid = Int64(pid) { maps[pid] = mappings } }
    }

    public var snapshot: Snapshot {
        lock.withLock {
            Snapshot(maps: Dictionary(uniqueKeysWithValues: maps.map { (String($0.key), $0.value) }), names: names, executable: executable)
        }
    }

    /// The snapshot as one line of JSON (a recording's trailer field).
    public var snapshotJSON: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(snapshot)).map { [UInt8]($0) } ?? []
    }

    public static func from(json: [UInt8]) -> StackNamer? {
        guard let snapshot = try? JSONDecoder().decode(Snapshot.self, from: Data(json)) else { return nil }
        return StackNamer(snapshot: snapshot)
    }

    /// A `P` record: `pid` was first seen, or has mapped new code since. Reads its maps now,
    /// while it (probably) lives.
    public func capture(pid: Int64) {
        guard live else { return }
        lock.withLock {
            guard !gone.contains(pid) else { return }
            if let mappings = ProcessMaps.read(pid: pid) { maps[pid] = mappings } else { gone.insert(pid) }
        }
    }

    /// Code `mapping.pid` mapped, as the kernel reported it (see `KernelMapping`): kept, and
    /// read only when one of its frames falls outside the maps read from `/proc` and the process
    /// is gone (a command that exited before tracesh could read them). Nothing is read here: a
    /// system-wide run reports every process's libraries. An exec starts a new image.
    public func learn(_ mapping: KernelMapping) {
        guard live else { return }
        lock.withLock {
            let pid = mapping.pid
            if case .exec = mapping.image {
                maps[pid] = nil
                gone.remove(pid)
                reports[pid] = nil
            }
            if reports[pid] == nil {
                reportOrder.append(pid)
                if reportOrder.count > Self.reportLimit {
                    // The older half goes at once (one shift, not one per process).
                    for old in reportOrder.prefix(Self.reportLimit / 2) { reports[old] = nil }
                    reportOrder.removeFirst(Self.reportLimit / 2)
                }
            }
            reports[pid, default: []].append(mapping)
        }
    }

    /// The processes whose reported mappings are kept: the most recent ones.
    static let reportLimit = 16384

    /// The mappings the kernel's report stands for: the named file's segments where it said.
    private func reported(_ mapping: KernelMapping, known mappings: [ProcessMapping]) -> [ProcessMapping] {
        let known = mappings.map(\.path) + [executable].compactMap { $0 }
        let path = MappedFileLocator.locate(name: mapping.name, inode: mapping.inode, near: known)
        switch mapping.image {
        case .file(let start, let length, let offset):
            // Unfound, the name alone still makes `name+0xOFFSET` frames.
            return [ProcessMapping(start: start, end: start &+ length, offset: offset, path: path ?? mapping.name, executable: true)]
        case .exec(let codeStart, let interpreterBase):
            guard let path, let file = elf(path), let code = file.segments.filter(\.executable).min(by: { $0.address < $1.address }) else { return [] }
            var mappings = Self.segments(of: file, at: path, bias: codeStart &- code.address)
            if interpreterBase != 0, let interpreter = file.interpreter, let loader = elf(interpreter) {
                mappings += Self.segments(of: loader, at: interpreter, bias: interpreterBase)
            }
            return mappings
        }
    }

    /// A loaded file's segments as mappings, `bias` added to the addresses it links.
    private static func segments(of file: ELFFile, at path: String, bias: UInt64) -> [ProcessMapping] {
        file.segments.map { segment in
            ProcessMapping(start: segment.address &+ bias, end: segment.address &+ bias &+ segment.memorySize, offset: segment.offset,
                           path: path, executable: segment.executable)
        }
    }

    /// Frames of a stack as bpftrace's perf mode prints it (`\tADDR SYMBOL (MODULE)` lines, or
    /// addresses separated by spaces), leaf first; returns the names root first. `caller`: the
    /// return address into the leaf's caller, which frame-pointer unwinding skips when the leaf
    /// keeps no frame pointer (see `StackCodegen`); put back after the leaf unless the stack
    /// already has it there (0: not known).
    public func name(stack text: [UInt8], user: Bool, pid: Int64, caller: UInt64 = 0) -> [String] {
        var addresses = Self.addresses(in: text)
        if caller != 0, !addresses.isEmpty, addresses.count < 2 || addresses[1] != caller { addresses.insert(caller, at: 1) }
        // Frames past the first are return addresses: the call is the byte before, which a call
        // at a function's very end (a noreturn call) leaves in the function.
        let places = addresses.enumerated().map { $0.offset == 0 || $0.element == 0 ? $0.element : $0.element - 1 }
        return lock.withLock { places.reversed().map { user ? userFrame($0, pid: pid) : kernelFrame($0) } }
    }

    /// The stack's addresses, leaf first: the first word of each line (bpftrace's perf mode),
    /// or every word when the stack is on one line.
    public static func addresses(in text: [UInt8]) -> [UInt64] {
        let string = String(decoding: text, as: UTF8.self)
        let lines = string.split(whereSeparator: { $0 == "\n" })
        let words: [Substring] = lines.count > 1 || string.contains("\t")
            ? lines.compactMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).first }
            : string.split(separator: " ")
        return words.compactMap { UInt64($0.hasPrefix("0x") ? $0.dropFirst(2) : $0, radix: 16) }
    }

    private func kernelFrame(_ address: UInt64) -> String {
        let key = "k:" + String(address, radix: 16)
        if let name = names[key] { return name }
        if kernel == nil, live { kernel = KernelSymbols.system() }
        let name = kernel?.symbol(at: address).map(\.name) ?? "0x" + String(address, radix: 16)
        names[key] = name
        return name
    }

    private func userFrame(_ address: UInt64, pid: Int64) -> String {
        let key = String(pid) + ":" + String(address, radix: 16)
        if let name = names[key] { return name }
        var mapping = maps[pid]?.first { $0.start <= address && address < $0.end }
        if mapping == nil, live, !gone.contains(pid) {
            // A mapping made since the last read (dlopen, a new library): read again.
            if let mappings = ProcessMaps.read(pid: pid) { maps[pid] = mappings } else { gone.insert(pid) }
            mapping = maps[pid]?.first { $0.start <= address && address < $0.end }
        }
        if mapping == nil, gone.contains(pid), let reported = reports.removeValue(forKey: pid) {
            // Gone before its maps could be read again: what the kernel reported it mapped.
            for report in reported { maps[pid, default: []] += self.reported(report, known: maps[pid] ?? []) }
            mapping = maps[pid]?.first { $0.start <= address && address < $0.end }
        }
        let name: String
        if let mapping {
            name = frame(address - mapping.start + mapping.offset, in: mapping.path, module: mapping.module, fileOffset: true)
        } else if maps[pid] == nil, let executable, let file = elf(executable), file.fileType == 2,
                  file.segments.contains(where: { $0.address <= address && address < $0.address + $0.memorySize }) {
            name = frame(address, in: executable, module: ProcessMapping(start: 0, end: 0, offset: 0, path: executable, executable: true).module, fileOffset: false)
        } else {
            name = "0x" + String(address, radix: 16)
        }
        names[key] = name
        return name
    }

    /// `function`, or `module+0xOFFSET` when no symbol covers the place.
    private func frame(_ place: UInt64, in path: String, module: String, fileOffset: Bool) -> String {
        guard path.hasPrefix("/"), let file = elf(path) else { return module + "+0x" + String(place, radix: 16) }
        let address = fileOffset ? file.address(ofFileOffset: place) : place
        guard let address else { return module + "+0x" + String(place, radix: 16) }
        return file.symbol(at: address)?.name ?? module + "+0x" + String(address, radix: 16)
    }

    private func elf(_ path: String) -> ELFFile? {
        if let cached = files[path] { return cached }
        let file = try? ELFFile(path: path)
        files[path] = file
        return file
    }
}
