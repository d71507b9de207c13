import TraceshModel
import TraceshKernel
import TraceshLanguage
import TraceshSemantics

/// A small bpftrace syntax tree: the only form in which a program exists before
/// `BpftracePrinter` turns it into text. Identifiers are checked when a node is made and string
/// literals are escaped by the printer, so nothing a user typed reaches bpftrace as raw text.
indirect enum BpftraceExpr: Hashable, Sendable {
    case integer(Int64)
    /// A string literal (escaped when printed).
    case string(String)
    /// A builtin variable: `pid`, `comm`, `nsecs`, `curtask`, `retval`, `arg0`, ...
    case builtin(BpftraceIdentifier)
    /// `args->NAME`
    case field(BpftraceIdentifier)
    /// `args->NAME[INDEX]`
    case fieldElement(BpftraceIdentifier, Int)
    /// `NAME(ARG, ...)`: `str`, `count`, `sum`, `lhist`, ...
    case call(BpftraceFunction, [BpftraceExpr])
    case unary(UnaryOperator, BpftraceExpr)
    case binary(BinaryOperator, BpftraceExpr, BpftraceExpr)
    case cast(IntegerType, BpftraceExpr)
    /// `@NAME` or `@NAME[KEY, ...]`
    case map(BpftraceIdentifier, keys: [BpftraceExpr])
    /// `ustack(perf)`, `kstack(perf, N)`: frames as bare addresses (see `StackKey`).
    case stack(StackKey)
    /// `$NAME`: a scratch variable of the probe.
    case variable(BpftraceIdentifier)
}

/// A bpftrace identifier: letters, digits and `_`, not starting with a digit.
struct BpftraceIdentifier: Hashable, Sendable {
    let text: String

    init(_ text: String) throws {
        guard let first = text.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
              text.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }) else {
            throw Diagnostic("'\(text)' is not a name bpftrace accepts", at: nil)
        }
        self.text = text
    }

    /// Names tracesh itself writes (builtins, map names): constants of its own code, checked in
    /// debug builds (which every test runs); a bad one is a programming error, not input.
    init(known text: String) {
        assert((try? BpftraceIdentifier(text)) != nil, "'\(text)' is not a name bpftrace accepts")
        self.text = text
    }
}

/// The bpftrace functions tracesh calls.
enum BpftraceFunction: String, Hashable, Sendable {
    case str, count, sum, avg, min, max, hist, lhist, print, clear, delete
}

/// A statement inside a probe block.
enum BpftraceStatement: Hashable, Sendable {
    /// `printf("FORMAT", ARG, ...)`. The format comes from `EventFraming` (trusted, already
    /// escaped for bpftrace); user data never goes into it.
    case printf(framedFormat: String, [BpftraceExpr])
    /// `@MAP[KEYS] = VALUE;`
    case assign(BpftraceExpr, BpftraceExpr)
    /// A call as a statement: `print(@m);`
    case call(BpftraceExpr)
    /// Statements tracesh writes whole from its own constants (no user text), lines separated
    /// by newlines: the stack caller recovery (see `StackCodegen`).
    case constant(String)
    /// `if (CONDITION) { ... } else { ... }`
    indirect case ifElse(BpftraceExpr, then: [BpftraceStatement], else: [BpftraceStatement])
}

/// `ATTACH /PREDICATE && .../ { STATEMENTS }`
struct BpftraceProbe: Hashable, Sendable {
    /// Built by `ProbeResolver` from checked parts (paths quoted and checked for quotes).
    var attachPoint: String
    /// Conjuncts of the predicate, printed joined by `&&`.
    var predicate: [BpftraceExpr]
    var body: [BpftraceStatement]
}

/// A whole program: header comments, BEGIN, probes, END.
struct BpftraceProgram: Hashable, Sendable {
    var comments: [String]
    var begin: [BpftraceStatement]
    /// Blocks tracesh writes whole from its own constants (the sync probe).
    var verbatimBlocks: [String]
    var probes: [BpftraceProbe]
    var end: [BpftraceStatement]
}
