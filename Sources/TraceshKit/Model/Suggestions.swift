import Foundation

/// "Did you mean" candidates: the names closest to a misspelling by edit distance.
public enum Suggestions {
    /// Up to `limit` candidates within a distance that scales with the word's length, closest first.
    public static func closest(to word: String, in candidates: [String], limit: Int = 3) -> [String] {
        let budget = max(1, min(3, (word.count + 1) / 2))
        let lowered = word.lowercased()
        let length = lowered.count
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let candidateLowered = candidate.lowercased()
            // The distance is at least the difference in length: a library's thousands of long
            // (mangled) names are not worth a full edit distance each (it took seconds).
            if abs(candidateLowered.count - length) <= budget {
                let distance = editDistance(lowered, candidateLowered)
                if distance <= budget { return (candidate, distance) }
            }
            if candidateLowered.hasPrefix(lowered) && !word.isEmpty { return (candidate, budget) }
            return nil
        }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    /// `; did you mean 'x'?` (or `'x' or 'y'`), or an empty string when nothing is close.
    public static func didYouMean(_ word: String, in candidates: [String]) -> String {
        let close = closest(to: word, in: candidates)
        guard !close.isEmpty else { return "" }
        return "; did you mean " + close.map { "'\($0)'" }.joined(separator: " or ") + "?"
    }

    /// Levenshtein distance over characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
