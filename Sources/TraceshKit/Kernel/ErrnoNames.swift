import Foundation
import TraceshModel
import TraceshFiles

/// errno values by number (`2` -> `ENOENT`), from the kernel's uapi headers: a syscall returns
/// `-errno`, so a negative `retval` prints as the name.
public enum ErrnoNames {
    public static let defaultHeaders = ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"]

    /// Parses header texts, the first name of each value winning.
    public static func parse(_ texts: [String]) -> [Int64: String] {
        HeaderDefines.namesByValue(texts.flatMap { HeaderDefines.parse($0) { $0.hasPrefix("E") } })
    }

    /// The machine's table (empty when the headers are missing: numbers then stay numbers).
    public static func load(_ paths: [String] = defaultHeaders) -> [Int64: String] {
        parse(paths.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) })
    }
}

extension ErrnoNames {
    /// This machine's table, read once.
    public static let system: [Int64: String] = load()
}
