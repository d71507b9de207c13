/// The `#define NAME NUMBER` lines of a C header, which is how the kernel's uapi headers give
/// syscall numbers, errno values and signal numbers. Other lines (includes, aliases such as
/// `#define SIGPOLL SIGIO`, expressions) are skipped: only plain decimal numbers are constants.
public enum HeaderDefines {
    /// `(name, value)` for each `#define NAME N` in `text`, in order, whose name `accept` takes.
    public static func parse(_ text: String, accept: (String) -> Bool = { _ in true }) -> [(name: String, value: Int64)] {
        var defines: [(name: String, value: Int64)] = []
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 3, words[0] == "#define", let value = Int64(words[2]) else { continue }
            let name = String(words[1])
            if accept(name) { defines.append((name, value)) }
        }
        return defines
    }

    /// `value -> name`, the first name given to each value winning (`SIGABRT` over `SIGIOT`,
    /// `EAGAIN` over `EWOULDBLOCK`).
    static func namesByValue(_ defines: [(name: String, value: Int64)]) -> [Int64: String] {
        var names: [Int64: String] = [:]
        for define in defines where names[define.value] == nil { names[define.value] = define.name }
        return names
    }
}
