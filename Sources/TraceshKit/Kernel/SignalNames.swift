import Foundation
import TraceshModel
import TraceshFiles

/// Signal names by number (`9` -> `SIGKILL`), from the kernel's uapi header, with the
/// real-time signals above `SIGRTMIN` as `SIGRTMIN+n` (the kernel's numbering: glibc keeps
/// the first two for itself, but `args->sig` is the kernel's number).
public enum SignalNames {
    public static let defaultHeader = "/usr/include/x86_64-linux-gnu/asm/signal.h"
    /// The kernel's `_NSIG` on Linux: signals are 1...64.
    static let highestSignal: Int64 = 64

    /// Parses header text; the real-time range follows `SIGRTMIN` when the header defines it.
    public static func parse(_ text: String) -> [Int64: String] {
        let defines = HeaderDefines.parse(text) { $0.hasPrefix("SIG") && !$0.hasPrefix("SIG_") && !$0.hasSuffix("STKSZ") }
        var names = HeaderDefines.namesByValue(defines.filter { $0.name != "SIGRTMIN" && $0.name != "SIGLOST" && $0.name != "SIGUNUSED" })
        if let rtmin = defines.first(where: { $0.name == "SIGRTMIN" })?.value, rtmin <= highestSignal {
            for number in rtmin...highestSignal {
                names[number] = number == rtmin ? "SIGRTMIN" : "SIGRTMIN+\(number - rtmin)"
            }
        }
        return names
    }

    public static func load(_ path: String = defaultHeader) -> [Int64: String] {
        parse((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }
}

extension SignalNames {
    /// This machine's table, read once.
    public static let system: [Int64: String] = load()
}
