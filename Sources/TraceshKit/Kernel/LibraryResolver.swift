import Foundation
import TraceshModel
import TraceshFiles

/// Finds the file behind a trace.py library name: `c` is libc, `pthread` is libpthread, a bare
/// name is looked up in the linker's paths and then on PATH (`bash`), a path is taken as it is.
public struct LibraryResolver: Sendable {
    public var searchDirectories: [String]
    public var executablePath: [String]

    public init(searchDirectories: [String]? = nil, executablePath: [String]? = nil) {
        self.searchDirectories = searchDirectories ?? Self.linkerDirectories()
        self.executablePath = executablePath ?? (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    }

    /// The real path of the library or binary, or nil when none is found.
    public func resolve(_ name: String) -> String? {
        let fileManager = FileManager.default
        if name.contains("/") {
            return fileManager.fileExists(atPath: name) ? realPath(name) : nil
        }
        let base = name.hasPrefix("lib") ? name : "lib" + name
        for directory in searchDirectories {
            for candidate in [name.contains(".so") ? name : nil, base + ".so.6", base + ".so"].compactMap({ $0 }) {
                let path = directory + "/" + candidate
                if fileManager.fileExists(atPath: path) { return realPath(path) }
            }
            // libfoo.so.1.2 and the like.
            if let entries = try? fileManager.contentsOfDirectory(atPath: directory),
               let match = entries.filter({ $0.hasPrefix(base + ".so.") }).sorted().first {
                return realPath(directory + "/" + match)
            }
        }
        for directory in executablePath {
            let path = directory + "/" + name
            if fileManager.isExecutableFile(atPath: path) { return realPath(path) }
        }
        return nil
    }

    private func realPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// LD_LIBRARY_PATH, the directories in /etc/ld.so.conf.d, and the standard ones.
    static func linkerDirectories() -> [String] {
        var directories = (ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] ?? "").split(separator: ":").map(String.init)
        let confDirectory = "/etc/ld.so.conf.d"
        for file in ((try? FileManager.default.contentsOfDirectory(atPath: confDirectory)) ?? []).sorted() where file.hasSuffix(".conf") {
            let text = (try? String(contentsOfFile: confDirectory + "/" + file, encoding: .utf8)) ?? ""
            directories += text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("/") }
        }
        directories += ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"]
        var seen = Set<String>()
        return directories.filter { seen.insert($0).inserted }
    }
}
