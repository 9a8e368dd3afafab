/// Name handling shared by every plugin registry: glob matching, natural sort, suggestions.
public enum PluginNames {
    /// Whether `name` matches a shell-style glob (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`), ignoring case.
    public static func matches(_ name: String, pattern: String) -> Bool {
        glob(Array(pattern.lowercased()), Array(name.lowercased()))
    }

    /// `a` before `b` in natural order: digit runs compare as numbers (`resnet20` < `resnet110`).
    public static func naturalLess(_ a: String, _ b: String) -> Bool {
        let left = chunks(a.lowercased()), right = chunks(b.lowercased())
        for (x, y) in zip(left, right) where x != y {
            switch (Int(x), Int(y)) {
            case let (m?, n?) where m != n: return m < n
            default: return x < y
            }
        }
        return left.count != right.count ? left.count < right.count : a < b
    }

    /// The candidate closest to `name` by edit distance, if close enough to be a plausible typo.
    public static func closest(to name: String, in candidates: [String]) -> String? {
        let target = name.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted(by: naturalLess) {
            let distance = editDistance(target, candidate.lowercased())
            if let current = best, current.distance <= distance { continue }
            best = (candidate, distance)
        }
        guard let best else { return nil }
        // A third of the longer name (at least 2 edits); or the typed name is a prefix.
        let limit = max(2, max(target.count, best.name.count) / 3)
        if best.distance <= limit { return best.name }
        return candidates.sorted(by: naturalLess).first { $0.lowercased().hasPrefix(target) && !target.isEmpty }
    }

    /// Levenshtein distance (insertions, deletions, substitutions).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        var previous = Array(0...y.count)
        var current = previous
        for i in 1...x.count {
            current[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    private static func chunks(_ text: String) -> [String] {
        var out: [String] = []
        var run = ""
        var runIsDigits = false
        for character in text {
            let isDigit = character.isASCII && character.isNumber
            if !run.isEmpty && isDigit != runIsDigits {
                out.append(run)
                run = ""
            }
            run.append(character)
            runIsDigits = isDigit
        }
        if !run.isEmpty { out.append(run) }
        return out
    }

    private static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        // Iterative matcher with backtracking to the last `*` (linear in practice).
        var p = 0, t = 0
        var star: (p: Int, t: Int)?
        while t < text.count {
            if p < pattern.count, pattern[p] == "*" {
                star = (p, t)
                p += 1
                continue
            }
            if p < pattern.count, let (matched, next) = single(pattern, p, text[t]), matched {
                p = next
                t += 1
                continue
            }
            guard let last = star else { return false }
            p = last.p + 1
            t = last.t + 1
            star = (last.p, last.t + 1)
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// Matches one pattern element at `p` against `character`; returns (matched, next index).
    private static func single(_ pattern: [Character], _ p: Int, _ character: Character) -> (Bool, Int)? {
        switch pattern[p] {
        case "?":
            return (true, p + 1)
        case "[":
            var i = p + 1
            var negate = false
            if i < pattern.count, pattern[i] == "!" || pattern[i] == "^" {
                negate = true
                i += 1
            }
            var matched = false
            var first = true
            while i < pattern.count, pattern[i] != "]" || first {
                first = false
                if i + 2 < pattern.count, pattern[i + 1] == "-", pattern[i + 2] != "]" {
                    if pattern[i] <= character && character <= pattern[i + 2] { matched = true }
                    i += 3
                } else {
                    if pattern[i] == character { matched = true }
                    i += 1
                }
            }
            // An unclosed `[` is a literal.
            guard i < pattern.count else { return (character == "[", p + 1) }
            return (matched != negate, i + 1)
        default:
            return (pattern[p] == character, p + 1)
        }
    }
}
