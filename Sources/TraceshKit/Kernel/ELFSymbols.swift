import Foundation
import TraceshModel

/// A function symbol of an ELF file (`.symtab` or `.dynsym`).
public struct ELFSymbol: Hashable, Sendable {
    public var name: String
    public var address: UInt64
    public var size: UInt64
    public var isWeak: Bool

    public init(name: String, address: UInt64, size: UInt64, isWeak: Bool = false) {
        self.name = name
        self.address = address
        self.size = size
        self.isWeak = isWeak
    }

    /// Sorted by address, one symbol per address: of several names for one function (glibc's
    /// `__libc_open64`, `__open`, `open`, `open64`) the one a reader knows, the shortest name
    /// without a leading underscore (`open`), else the shortest.
    static func sorted(_ symbols: [ELFSymbol]) -> [ELFSymbol] {
        var best: [UInt64: ELFSymbol] = [:]
        for symbol in symbols where symbol.address != 0 {
            guard var current = best[symbol.address] else { best[symbol.address] = symbol; continue }
            let size = max(current.size, symbol.size)
            if symbol.preference.lexicographicallyPrecedes(current.preference) || (symbol.preference == current.preference && symbol.name < current.name) { current = symbol }
            current.size = size
            best[symbol.address] = current
        }
        return best.values.sorted { $0.address < $1.address }
    }

    private var preference: [Int] { [name.hasPrefix("_") ? 1 : 0, name.utf8.count] }
}

/// A loadable segment (PT_LOAD) of an ELF file.
public struct ELFSegment: Hashable, Sendable {
    public var offset: UInt64
    public var address: UInt64
    public var fileSize: UInt64
    public var memorySize: UInt64
    public var executable: Bool
}

extension ELFFile {
    /// The function holding `address` (an address as the file links it, not as mapped) and
    /// the offset into it; nil when no symbol covers it. A symbol without a size covers up to
    /// the next symbol.
    public func symbol(at address: UInt64) -> (name: String, offset: UInt64)? {
        var low = 0, high = symbols.count
        while low < high {
            let middle = (low + high) / 2
            if symbols[middle].address <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let symbol = symbols[low - 1]
        let offset = address - symbol.address
        if symbol.size > 0 {
            guard offset < symbol.size else { return nil }
        } else if low < symbols.count, symbols[low].address <= address {
            return nil
        }
        return (symbol.name, offset)
    }

    /// The linked address of a byte at `fileOffset` in the file; nil outside the loaded segments.
    public func address(ofFileOffset fileOffset: UInt64) -> UInt64? {
        guard let segment = segments.first(where: { fileOffset >= $0.offset && fileOffset < $0.offset + max($0.fileSize, 1) }) else { return nil }
        return fileOffset - segment.offset + segment.address
    }
}
