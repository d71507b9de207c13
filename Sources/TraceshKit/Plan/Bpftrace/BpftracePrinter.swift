import TraceshModel
import TraceshKernel
import TraceshLanguage
import TraceshSemantics

/// Prints a `BpftraceProgram` as bpftrace source: the one place program text is made.
/// Every operation is parenthesized, so precedence never depends on bpftrace's grammar.
enum BpftracePrinter {
    static func print(_ program: BpftraceProgram) -> String {
        var blocks = program.verbatimBlocks
        blocks += program.probes.map(print)
        return program.comments.map { "// " + commentText($0) }.joined(separator: "\n") + "\n\n"
            + "BEGIN\n" + body(program.begin) + "\n\n"
            + blocks.joined(separator: "\n\n") + "\n\n"
            + "END\n" + body(program.end) + "\n"
    }

    /// A comment's text on one line: a line break or other control character in it (from a
    /// spec or a name) would end the comment and make the rest program text.
    static func commentText(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f || $0.properties.generalCategory == .lineSeparator
                                                                  || $0.properties.generalCategory == .paragraphSeparator ? " " : $0 }))
    }

    static func print(_ probe: BpftraceProbe) -> String {
        let predicate = probe.predicate.isEmpty ? "" : "\n/" + probe.predicate.map(print).joined(separator: " && ") + "/"
        return probe.attachPoint + predicate + "\n" + body(probe.body)
    }

    static func body(_ statements: [BpftraceStatement], indent: String = "") -> String {
        "{\n" + statements.map { indent + "  " + print($0, indent: indent + "  ") + "\n" }.joined() + indent + "}"
    }

    static func print(_ statement: BpftraceStatement, indent: String = "") -> String {
        switch statement {
        case .ifElse(let condition, let then, let otherwise):
            return "if (\(print(condition))) " + body(then, indent: indent) + (otherwise.isEmpty ? "" : " else " + body(otherwise, indent: indent))
        case .printf(let format, let arguments):
            return "printf(\"\(format)\"" + arguments.map { ", " + print($0) }.joined() + ");"
        case .assign(let target, let value):
            return print(target) + " = " + print(value) + ";"
        case .call(let call):
            return print(call) + ";"
        case .constant(let text):
            return text.split(separator: "\n").joined(separator: "\n  ")
        }
    }

    static func print(_ expression: BpftraceExpr) -> String {
        switch expression {
        case .integer(let value): return value < 0 ? "(\(value))" : String(value)
        case .string(let value): return literal(value)
        case .builtin(let name): return name.text
        case .field(let name): return "args->" + name.text
        case .fieldElement(let name, let index): return "args->" + name.text + "[\(index)]"
        case .call(let function, let arguments): return function.rawValue + "(" + arguments.map(print).joined(separator: ", ") + ")"
        case .unary(let op, let operand):
            // Parenthesized, so the operator cannot fuse with the operand's own (`!~`, `--`).
            return op.rawValue + "(" + print(operand) + ")"
        case .binary(let op, let lhs, let rhs): return "(\(print(lhs)) \(op.rawValue) \(print(rhs)))"
        case .cast(let type, let operand): return "(\(type.bpftraceName))(\(print(operand)))"
        case .variable(let name): return "$" + name.text
        case .map(let name, let keys): return "@" + name.text + (keys.isEmpty ? "" : "[" + keys.map(print).joined(separator: ", ") + "]")
        case .stack(let stack): return (stack.user ? "ustack" : "kstack") + "(perf" + (stack.depth.map { ", \($0)" } ?? "") + ")"
        }
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
