/// Checks a probe spec when the user adds it, while its text still has script locations: parse,
/// resolve against the kernel, and translate its predicate and arguments for every attachment.
public enum ProbeValidator {
    /// The parsed spec; throws a located `Diagnostic`. Resolution is skipped (parsing only) when
    /// tracefs cannot be read, so parsing, `save` and `load` work without root.
    @discardableResult
    public static func validate(_ text: LocatedText, catalog: KernelCatalog, libraries: LibraryResolver = LibraryResolver()) throws -> TraceSpec {
        let spec = try SpecParser.parse(text)
        guard catalog.isReadable || spec.isUserSpace else { return spec }
        let resolved: ResolvedProbe
        do {
            resolved = try ProbeResolver(catalog: catalog, libraries: libraries).resolve(spec)
        } catch var diagnostic as Diagnostic {
            diagnostic.location = diagnostic.location ?? text.location(at: 0)
            throw diagnostic
        }
        for attachment in resolved.attachments {
            let translator = BpftraceExpression(probe: resolved, attachment: attachment, probeName: "")
            if let predicate = spec.combinedPredicate { _ = try translator.integer(predicate) }
            _ = try ProgramCompiler.eventValues(spec: spec, resolved: resolved, translator: translator, userFilters: [])
        }
        return spec
    }
}
