/// Natural ("human") order: digit runs compare by value, so `class2` sorts before `class10`.
public enum NaturalOrder {
    /// True when `a` sorts before `b`. Ties in value (`01` vs `1`) fall back to plain order, so
    /// the order is total and deterministic.
    public static func less(_ a: String, _ b: String) -> Bool {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0, j = 0
        while i < x.count && j < y.count {
            let dx = isDigit(x[i]), dy = isDigit(y[j])
            if dx && dy {
                let startI = i, startJ = j
                while i < x.count && isDigit(x[i]) { i += 1 }
                while j < y.count && isDigit(y[j]) { j += 1 }
                let runX = trimZeros(x[startI..<i]), runY = trimZeros(y[startJ..<j])
                if runX.count != runY.count { return runX.count < runY.count }
                for (p, q) in zip(runX, runY) where p != q { return p.value < q.value }
            } else {
                if x[i] != y[j] { return x[i].value < y[j].value }
                i += 1
                j += 1
            }
        }
        if (x.count - i) != (y.count - j) { return (x.count - i) < (y.count - j) }
        return a < b
    }

    /// `strings` in natural order.
    public static func sorted(_ strings: [String]) -> [String] { strings.sorted(by: less) }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 48 && s.value <= 57 }

    private static func trimZeros(_ run: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar> {
        var run = run
        while run.count > 1, run.first?.value == 48 { run = run.dropFirst() }
        return run
    }
}
