/// Translates tracesh expressions into bpftrace expressions for one attachment of one probe.
///
/// Everything is rebuilt from the syntax tree: names are checked against what the probe offers,
/// strings are re-escaped, numbers re-printed, so nothing a user types reaches bpftrace as text.
struct BpftraceExpression {
    enum ValueType: Equatable {
        case integer
        /// A string value bpftrace can compare and print (`comm`, `str(...)`, a `char[N]` field).
        case string
        /// A `char *` that needs `str()` to become a string.
        case stringPointer
    }

    struct Value {
        var text: String
        var type: ValueType

        /// The value as a bpftrace string, wrapping a pointer in `str()`.
        var asString: String { type == .stringPointer ? "str(\(text))" : text }
        /// The value as an integer; a pointer becomes its address.
        var asInteger: String { type == .stringPointer ? "(uint64)\(text)" : text }
    }

    let probe: ResolvedProbe
    let attachment: ResolvedProbe.Attachment
    let probeName: String

    /// bpftrace 0.17's longest string literal: 64 bytes with the NUL, whatever BPFTRACE_STRLEN says.
    static let maximumStringLength = 63

    /// Names that mean the same for every probe.
    static let commonNames: [String: Value] = [
        "pid": Value(text: "pid", type: .integer), "tid": Value(text: "tid", type: .integer),
        "uid": Value(text: "uid", type: .integer), "gid": Value(text: "gid", type: .integer),
        "cpu": Value(text: "cpu", type: .integer), "comm": Value(text: "comm", type: .string),
    ]

    /// trace.py's `$` names: `$pid` is the thread id, `$tgid` the process id.
    static let builtinNames: [String: Value] = [
        "pid": Value(text: "tid", type: .integer), "tgid": Value(text: "pid", type: .integer),
        "uid": Value(text: "uid", type: .integer), "gid": Value(text: "gid", type: .integer),
        "cpu": Value(text: "cpu", type: .integer), "task": Value(text: "curtask", type: .integer),
        "comm": Value(text: "comm", type: .string),
    ]

    static let castTypes: [String: String] = [
        "int": "int32", "signed": "int32", "unsigned": "uint32", "unsigned int": "uint32", "long": "int64", "long int": "int64",
        "unsigned long": "uint64", "long long": "int64", "unsigned long long": "uint64", "short": "int16", "unsigned short": "uint16",
        "char": "int8", "unsigned char": "uint8", "u8": "uint8", "u16": "uint16", "u32": "uint32", "u64": "uint64",
        "s8": "int8", "s16": "int16", "s32": "int32", "s64": "int64", "int8_t": "int8", "int16_t": "int16", "int32_t": "int32",
        "int64_t": "int64", "uint8_t": "uint8", "uint16_t": "uint16", "uint32_t": "uint32", "uint64_t": "uint64",
        "size_t": "uint64", "ssize_t": "int64", "pid_t": "int32", "uid_t": "uint32", "gid_t": "uint32",
    ]

    func translate(_ expression: Expression) throws -> Value {
        let location = expression.location
        switch expression.kind {
        case .integer(let value):
            return Value(text: value < 0 ? "(\(value))" : String(value), type: .integer)
        case .string(let value):
            guard value.utf8.count <= Self.maximumStringLength else {
                throw Diagnostic("string literal is \(value.utf8.count) bytes; bpftrace 0.17 compares strings of at most \(Self.maximumStringLength) bytes in the kernel (filter on a shorter part, e.g. the file name's directory, or use =~ which runs in user space)", at: location)
            }
            return Value(text: Self.literal(value), type: .string)
        case .identifier(let name):
            return try identifier(name, at: location)
        case .builtin(let name):
            guard let value = Self.builtinNames[name] else { throw Diagnostic("unknown built-in '$\(name)'", at: location) }
            return value
        case .field(let name):
            return try field(name, at: location)
        case .userString(let inner):
            let pointer = try translate(inner)
            if pointer.type == .string { return pointer }
            return Value(text: "str(\(pointer.type == .stringPointer ? pointer.text : pointer.text))", type: .string)
        case .unary(let op, let inner):
            let operand = try integer(inner)
            return Value(text: "\(op.rawValue)(\(operand))", type: .integer)
        case .cast(let type, let inner):
            guard let target = Self.castTypes[type] else {
                throw Diagnostic("cannot cast to '\(type)' in the kernel; read strings with argN@user", at: location)
            }
            return Value(text: "(\(target))(\(try integer(inner)))", type: .integer)
        case .call(let name, let arguments):
            guard name == "STRCMP" else {
                throw Diagnostic("unknown function '\(name)'; in the kernel only STRCMP(\"literal\", expr) is available", at: location)
            }
            guard arguments.count == 2, case .string = arguments[0].kind else {
                throw Diagnostic("STRCMP takes a string literal and an expression: STRCMP(\"bash\", comm)", at: location)
            }
            return try compare(.equal, arguments[1], arguments[0], at: location)
        case .binary(let op, let lhs, let rhs):
            switch op {
            case .matches, .notMatches:
                throw Diagnostic("'\(op.rawValue)' (regular expressions) runs in user space, not in a probe spec", at: location)
            case .and, .or:
                return Value(text: "(\(try integer(lhs)) \(op.rawValue) \(try integer(rhs)))", type: .integer)
            case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
                return try compare(op, lhs, rhs, at: location)
            default:
                return Value(text: "(\(try integer(lhs)) \(op.rawValue) \(try integer(rhs)))", type: .integer)
            }
        }
    }

    /// A value that must be a number.
    func integer(_ expression: Expression) throws -> String {
        let value = try translate(expression)
        guard value.type != .string else {
            throw Diagnostic("'\(expression)' is a string; a number is needed here", at: expression.location)
        }
        return value.asInteger
    }

    private func compare(_ op: BinaryOperator, _ lhs: Expression, _ rhs: Expression, at location: SourceLocation) throws -> Value {
        let left = try translate(lhs), right = try translate(rhs)
        let leftIsText = left.type != .integer, rightIsText = right.type != .integer
        // A pointer compared with a number is an address comparison; with a string, a string one.
        if left.type == .string || right.type == .string {
            guard leftIsText && rightIsText else {
                throw Diagnostic("cannot compare the string '\(left.type == .string ? lhs : rhs)' with the number '\(left.type == .string ? rhs : lhs)'", at: location)
            }
            guard op == .equal || op == .notEqual else {
                throw Diagnostic("strings can only be compared with == and != in the kernel", at: location)
            }
            return Value(text: "(\(left.asString) \(op.rawValue) \(right.asString))", type: .integer)
        }
        return Value(text: "(\(left.asInteger) \(op.rawValue) \(right.asInteger))", type: .integer)
    }

    private func identifier(_ name: String, at location: SourceLocation) throws -> Value {
        if let value = Self.commonNames[name] { return value }
        if name == "retval" {
            switch probe.kind {
            case .syscallExit: return Value(text: "args->ret", type: .integer)
            case .uretprobe: return Value(text: "retval", type: .integer)
            default: throw Diagnostic("'retval' exists only on return probes (r::function)", at: location)
            }
        }
        if let number = SpecParser.argumentNumber(name), (1...6).contains(number) {
            switch probe.kind {
            case .syscallEntry, .syscallExit:
                let fields = attachment.syscallArguments
                guard number <= fields.count, !fields[number - 1].name.isEmpty else {
                    let syscall = attachment.probe.split(separator: "_").last.map(String.init) ?? "this syscall"
                    throw Diagnostic("'\(name)' does not exist: \(syscall) takes \(fields.count) argument\(fields.count == 1 ? "" : "s")"
                                     + (fields.isEmpty ? "" : " (" + fields.enumerated().map { "arg\($0.offset + 1) = \($0.element.name)" }.joined(separator: ", ") + ")"), at: location)
                }
                return Self.value(of: fields[number - 1])
            case .tracepoint:
                throw Diagnostic("tracepoints have named fields, not '\(name)': use args->NAME (" + fieldList() + ")", at: location)
            case .uprobe, .usdt:
                return Value(text: "arg\(number - 1)", type: .integer)
            case .uretprobe:
                throw Diagnostic("arguments are gone at function return; use retval", at: location)
            }
        }
        if name == "message" {
            throw Diagnostic("'message' is the formatted output; it can be filtered in user space only", at: location)
        }
        throw Diagnostic("unknown name '\(name)'; expected pid, tid, uid, gid, comm, cpu, arg1..arg6, retval or args->FIELD", at: location)
    }

    private func field(_ name: String, at location: SourceLocation) throws -> Value {
        guard let format = attachment.format else {
            throw Diagnostic("'args->\(name)': only tracepoints and syscalls have named fields", at: location)
        }
        guard let field = format.field(named: name) else {
            let close = Suggestions.closest(to: name, in: format.fields.map(\.name))
            throw Diagnostic("\(format.name) has no field '\(name)'" + (close.isEmpty ? "" : "; did you mean '\(close[0])'?") + " (" + fieldList() + ")", at: location)
        }
        return Self.value(of: field)
    }

    /// A tracepoint field as a value: a `char *` stays an address until `@user` reads it,
    /// a `__data_loc` string is read from the record, a `char[N]` is a string already.
    static func value(of field: TracepointFormat.Field) -> Value {
        if field.isCharPointer { return Value(text: "args->\(field.name)", type: .stringPointer) }
        if field.isDataLocString { return Value(text: "str(args->\(field.name))", type: .string) }
        return Value(text: "args->\(field.name)", type: field.isString ? .string : .integer)
    }

    private func fieldList() -> String {
        let names = attachment.format?.fields.map(\.name).filter { $0 != "__syscall_nr" } ?? []
        return names.isEmpty ? "no fields" : "fields: " + names.joined(separator: ", ")
    }

    /// A bpftrace string literal: quotes and backslashes escaped, other control and non-ASCII bytes as octal.
    static func literal(_ value: String) -> String {
        var out = "\""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\t"): out += "\\t"
            case 0x20..<0x7f: out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let octal = String(byte, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return out + "\""
    }
}
