import PropertyBased
import Testing
@testable import TraceshKit

/// Inputs the fuzz targets (scripts/fuzz) found, each fed again here to the code that failed.
@Suite struct FuzzRegressionTests {
    /// `scripts/fuzz spec`: a misspelt function in a library compared the word with every one of
    /// the library's thousands of (mangled, long) function names by full edit distance, for
    /// seconds per spec (libFuzzer timeout). Candidates whose length differs by more than the
    /// budget are now skipped; the suggestions are the same.
    @Test(arguments: [#"c:mavg":c:mg1 ->mallo%d(",1"#, "u:stdc++:thrownnnnnnnnnnnnnnnnn", "c:mallocc", "u:stdc++:throww"])
    func aMisspeltLibraryFunctionIsALocatedError(spec: String) {
        let analyser = SessionAnalyser(catalog: Fixtures.catalog)
        let parsed: TraceSpec
        do { parsed = try SpecParser.parse(LocatedText(spec)) } catch let diagnostic as Diagnostic {
            #expect(diagnostic.location != nil)
            return
        } catch {
            Issue.record("\(error)")
            return
        }
        #expect(throws: Diagnostic.self) { try analyser.analyse(ProbeDeclaration(name: "p", spec: spec), spec: parsed) }
    }

    /// The pruned search gives what the full one gave.
    @Test func closestMatchesTheUnprunedDefinition() async {
        await propertyCheck(count: 300, input: Self.wordAndNames) { input in
            let (word, candidates) = input
            #expect(Suggestions.closest(to: word, in: candidates) == Self.reference(word, candidates), "\(word) in \(candidates)")
        }
    }

    static let wordAndNames = Generator<(String, [String]), Shrink.None<(String, [String])>> { rng in
        let fixed = ["malloc", "mallocc", "free", "calloc", "fre", "pthread_create", "x", "", "thrownnnnnnnn", "_ZSt9terminatev", "Getenv"]
        func name() -> String {
            if Bool.random(using: &rng) { return fixed.randomElement(using: &rng)! }
            return String((0..<Int.random(in: 0...12, using: &rng)).map { _ in "abcmlo_".randomElement(using: &rng)! })
        }
        return (name(), (0..<Int.random(in: 0...30, using: &rng)).map { _ in name() })
    }

    /// `Suggestions.closest` as it was before pruning.
    static func reference(_ word: String, _ candidates: [String], limit: Int = 3) -> [String] {
        let budget = max(1, min(3, (word.count + 1) / 2))
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let distance = Suggestions.editDistance(word.lowercased(), candidate.lowercased())
            if distance <= budget { return (candidate, distance) }
            if candidate.lowercased().hasPrefix(word.lowercased()) && !word.isEmpty { return (candidate, budget) }
            return nil
        }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }
}
