import Foundation
import TraceshModel
import TraceshFiles

/// Reads the parts of a 64-bit little-endian ELF file that probe resolution needs: the defined
/// function symbols (`.symtab` and `.dynsym`) and the USDT probes (`.note.stapsdt`).
public struct ELFFile: Sendable {
    /// A USDT probe: `provider:name`.
    public struct USDTProbe: Hashable, Sendable {
        public var provider: String
        public var name: String
    }

    public let path: String
    public let functions: Set<String>
    public let usdtProbes: [USDTProbe]
    /// Defined function symbols with their addresses, sorted by address (see `ELFSymbols`).
    public let symbols: [ELFSymbol]
    /// `e_type`: 2 for an executable at fixed addresses (ET_EXEC), 3 for a shared object or PIE.
    public let fileType: UInt16
    /// The loadable segments (PT_LOAD), to turn a file offset into an address.
    public let segments: [ELFSegment]
    /// The dynamic loader it asks for (`PT_INTERP`), nil for a static executable or a library.
    public let interpreter: String?

    /// Parses the file; throws when it cannot be read or is not a 64-bit little-endian ELF.
    public init(path: String) throws {
        self.path = path
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        let bytes = [UInt8](data)
        guard bytes.count > 64, bytes[0...3] == [0x7f, 0x45, 0x4c, 0x46] else { throw ELFError.notELF(path) }
        guard bytes[4] == 2, bytes[5] == 1 else { throw ELFError.unsupported(path) }
        let reader = ByteReader(bytes: bytes)
        let sectionOffset = Int(reader.u64(0x28))
        let sectionSize = Int(reader.u16(0x3a))
        let sectionCount = Int(reader.u16(0x3c))
        struct Section { var type: UInt32; var offset: Int; var size: Int; var link: Int; var entrySize: Int; var nameOffset: Int }
        var sections: [Section] = []
        for index in 0..<sectionCount {
            let base = sectionOffset + index * sectionSize
            guard base + 64 <= bytes.count else { break }
            sections.append(Section(type: reader.u32(base + 4), offset: Int(reader.u64(base + 0x18)), size: Int(reader.u64(base + 0x20)),
                                    link: Int(reader.u32(base + 0x28)), entrySize: Int(reader.u64(base + 0x38)), nameOffset: Int(reader.u32(base))))
        }
        var functions = Set<String>()
        var symbols: [ELFSymbol] = []
        for section in sections where section.type == 2 || section.type == 11 {
            guard section.link < sections.count, section.entrySize == 24 else { continue }
            let strings = sections[section.link]
            for entry in stride(from: section.offset, to: min(section.offset + section.size, bytes.count - 23), by: 24) {
                let info = bytes[entry + 4]
                let kind = info & 0xf
                let sectionIndex = reader.u16(entry + 6)
                guard kind == 2 || kind == 10, sectionIndex != 0 else { continue }
                let name = reader.cString(strings.offset + Int(reader.u32(entry)))
                if !name.isEmpty {
                    functions.insert(name)
                    symbols.append(ELFSymbol(name: name, address: reader.u64(entry + 8), size: reader.u64(entry + 16), isWeak: info >> 4 == 2))
                }
            }
        }
        self.functions = functions
        self.symbols = ELFSymbol.sorted(symbols)
        fileType = reader.u16(0x10)
        let programOffset = Int(reader.u64(0x20)), programSize = Int(reader.u16(0x36)), programCount = Int(reader.u16(0x38))
        var segments: [ELFSegment] = []
        var interpreter: String?
        for index in 0..<programCount {
            let base = programOffset + index * programSize
            guard base + 56 <= bytes.count else { continue }
            if reader.u32(base) == 3, Int(reader.u64(base + 8)) < bytes.count { interpreter = reader.cString(Int(reader.u64(base + 8))) }
            guard reader.u32(base) == 1 else { continue }
            segments.append(ELFSegment(offset: reader.u64(base + 8), address: reader.u64(base + 0x10), fileSize: reader.u64(base + 0x20),
                                       memorySize: reader.u64(base + 0x28), executable: reader.u32(base + 4) & 1 != 0))
        }
        self.segments = segments
        self.interpreter = interpreter.flatMap { $0.isEmpty ? nil : $0 }

        var probes: [USDTProbe] = []
        let names = sections.indices.contains(Int(reader.u16(0x3e))) ? sections[Int(reader.u16(0x3e))] : nil
        for section in sections where section.type == 7 {
            guard let names, reader.cString(names.offset + section.nameOffset) == ".note.stapsdt" else { continue }
            var cursor = section.offset
            let end = min(section.offset + section.size, bytes.count)
            while cursor + 12 <= end {
                let nameSize = Int(reader.u32(cursor)), descSize = Int(reader.u32(cursor + 4)), type = reader.u32(cursor + 8)
                let nameStart = cursor + 12
                let descStart = nameStart + (nameSize + 3) & ~3
                if type == 3, reader.cString(nameStart) == "stapsdt", descStart + 24 < end {
                    let provider = reader.cString(descStart + 24)
                    let probe = reader.cString(descStart + 24 + provider.utf8.count + 1)
                    probes.append(USDTProbe(provider: provider, name: probe))
                }
                cursor = descStart + (descSize + 3) & ~3
            }
        }
        usdtProbes = probes
    }
}

public enum ELFError: Error, CustomStringConvertible {
    case notELF(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .notELF(let path): return "'\(path)' is not an ELF file"
        case .unsupported(let path): return "'\(path)' is not a 64-bit little-endian ELF file"
        }
    }
}

/// Little-endian reads that return 0 past the end instead of trapping on a truncated file.
private struct ByteReader {
    let bytes: [UInt8]

    func u16(_ offset: Int) -> UInt16 {
        guard offset >= 0, offset + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) -> UInt32 {
        guard offset >= 0, offset + 4 <= bytes.count else { return 0 }
        return (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    func u64(_ offset: Int) -> UInt64 {
        guard offset >= 0, offset + 8 <= bytes.count else { return 0 }
        return (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    func cString(_ offset: Int) -> String {
        guard offset >= 0, offset < bytes.count else { return "" }
        var end = offset
        while end < bytes.count, bytes[end] != 0 { end += 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }
}
