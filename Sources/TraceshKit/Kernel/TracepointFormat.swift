import Foundation
import TraceshModel
import TraceshFiles

/// The fields of a tracepoint, as its tracefs `format` file lists them.
public struct TracepointFormat: Hashable, Sendable {
    public struct Field: Hashable, Sendable {
        public var name: String
        /// The C type as written (`const char *`, `__data_loc char[]`, `char[16]`, `long`, ...).
        public var type: String
        public var isSigned: Bool

        public init(name: String, type: String, isSigned: Bool) {
            self.name = name
            self.type = type
            self.isSigned = isSigned
        }

        /// A pointer to char: an address that `str()` (user space: `@user`) turns into a string.
        public var isCharPointer: Bool { charPointerDepth == 1 }
        /// A pointer to pointers to char (`const char *const * argv`): a list of strings, whose
        /// own bytes are addresses, not text.
        public var isStringList: Bool { charPointerDepth == 2 }
        /// How many `*` a pointer to char has (0: not one).
        private var charPointerDepth: Int { type.contains("char") && type.hasSuffix("*") ? type.filter { $0 == "*" }.count : 0 }
        /// A string kept in the event record itself, which bpftrace reads with `str()`.
        public var isDataLocString: Bool { type.hasPrefix("__data_loc char") }
        /// A string of any kind (including inline `char[N]` arrays, which bpftrace prints as strings).
        public var isString: Bool { isCharPointer || isDataLocString || (type.contains("char") && type.contains("[")) }
    }

    /// `category:event`
    public var name: String
    /// The event's own fields, without the `common_*` header fields.
    public var fields: [Field]

    /// Syscall arguments: the fields after `__syscall_nr` (trace.py's arg1, arg2, ...).
    public var syscallArguments: [Field] { fields.filter { $0.name != "__syscall_nr" } }

    public func field(named name: String) -> Field? { fields.first { $0.name == name } }

    /// Parses a tracefs `format` file.
    public init(name: String, formatFile text: String) {
        self.name = name
        fields = []
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("field:") else { continue }
            let parts = trimmed.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard var declaration = parts.first?.dropFirst("field:".count).trimmingCharacters(in: .whitespaces) else { continue }
            var arraySuffix = ""
            if let bracket = declaration.lastIndex(of: "["), declaration.hasSuffix("]"), !declaration.hasSuffix("[]") {
                arraySuffix = String(declaration[bracket...])
                declaration = String(declaration[..<bracket])
            }
            let nameStart = declaration.lastIndex { !($0.isLetter || $0.isNumber || $0 == "_") }.map { declaration.index(after: $0) } ?? declaration.startIndex
            let fieldName = String(declaration[nameStart...])
            let type = String(declaration[..<nameStart]).trimmingCharacters(in: .whitespaces) + arraySuffix
            guard !fieldName.isEmpty, !fieldName.hasPrefix("common_") else { continue }
            let signed = parts.contains("signed:1")
            fields.append(Field(name: fieldName, type: type, isSigned: signed))
        }
    }

    public init(name: String, fields: [Field]) {
        self.name = name
        self.fields = fields
    }
}
