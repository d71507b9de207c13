import TraceshModel
import TraceshFiles

/// The arguments of `agg [PROBE:] FUNC [ARG] [by KEY, ...]`.
enum AggregationSyntax {
    static func parse(_ input: CommandInput) throws -> Aggregation {
        let (probe, body) = input.splitScope()
        var stream = try TokenStream(lexing: body)
        let functionToken = stream.current
        guard functionToken.kind == .identifier, AggregationFunction.names.contains(functionToken.text) else {
            let found = functionToken.isEnd ? "" : " '\(functionToken.text)'" + Suggestions.didYouMean(functionToken.text, in: AggregationFunction.names)
            throw Diagnostic("expected an aggregation function (count, sum, avg, min, max, hist, lhist(min, max, step))" + (found.isEmpty ? "" : ", found" + found), at: functionToken.location)
        }
        stream.advance()
        var function: AggregationFunction
        // bpftrace's order, `lhist(VALUE, min, max, step)`, gives the value inside the call.
        var valueInCall: Expression?
        switch functionToken.text {
        case "count": function = .count
        case "sum": function = .sum
        case "avg": function = .avg
        case "min": function = .min
        case "max": function = .max
        case "hist": function = .hist
        default: (function, valueInCall) = try linearHistogram(&stream, at: functionToken.location)
        }
        var argument: Expression? = valueInCall
        let argumentLocation = stream.current.location
        if valueInCall == nil && !stream.atEnd && !stream.current.isIdentifier("by") {
            argument = try ExpressionParser.parse(&stream)
        }
        var keys: [Expression] = []
        if stream.acceptIdentifier("by") {
            guard !stream.atEnd else { throw Diagnostic("expected a key after 'by' (e.g. 'by comm')", at: stream.current.location) }
            repeat { keys.append(try ExpressionParser.parse(&stream)) } while stream.accept(",")
        }
        try stream.expectEnd("in 'agg'; usage: \(input.usage)")
        if function == .count, let argument {
            throw Diagnostic("'count' takes no argument; did you mean 'count by \(argument)'?", at: argument.location)
        }
        if function.takesArgument && argument == nil {
            throw Diagnostic("'\(function.name)' needs a value to aggregate (e.g. 'agg \(function.name) arg3')", at: argumentLocation)
        }
        return Aggregation(probe: probe, function: function, argument: argument, keys: keys)
    }

    /// `lhist(min, max, step)` after the name: three integer literals, 0 <= min < max, step > 0;
    /// or bpftrace's `lhist(VALUE, min, max, step)`, whose value is returned too.
    private static func linearHistogram(_ stream: inout TokenStream, at location: SourceLocation) throws
        -> (AggregationFunction, Expression?) {
        try stream.expect("(", "after 'lhist' (lhist(min, max, step))")
        var bounds: [Int64] = []
        var valueInCall: Expression?
        repeat {
            let token = stream.current
            let value = try ExpressionParser.parse(&stream)
            if bounds.isEmpty && valueInCall == nil, stream.current.isSymbol(","), !value.isIntegerLiteral {
                valueInCall = value
                continue
            }
            guard case .integer(let number) = value.kind else {
                throw Diagnostic("lhist bounds must be integer literals", at: token.location)
            }
            bounds.append(number)
        } while stream.accept(",")
        try stream.expect(")", "to close 'lhist('")
        guard bounds.count == 3 else {
            throw Diagnostic("lhist takes three bounds: lhist(min, max, step) ARG, or bpftrace's lhist(ARG, min, max, step)", at: location)
        }
        guard bounds[0] >= 0, bounds[0] < bounds[1], bounds[2] > 0 else {
            throw Diagnostic("lhist needs 0 <= min < max and step > 0", at: location)
        }
        return (.lhist(min: bounds[0], max: bounds[1], step: bounds[2]), valueInCall)
    }
}

extension Expression {
    fileprivate var isIntegerLiteral: Bool {
        if case .integer = kind { return true }
        return false
    }
}
