/// Groups of near-duplicates without chaining: the strongest verified pair founds a group (its
/// first image the representative), and an image joins a group only when it is verified alike
/// to every member already there (complete linkage), so that A ≈ B and B ≈ C never put A and C
/// together unless A ≈ C too. Each image is in at most one group.
public enum CompleteLinkage {
    public struct Group: Sendable, Equatable {
        /// Members, the representative first, then in the order they joined.
        public var members: [Int]
        /// Each member's similarity to the representative (1 for the representative itself).
        public var scores: [Double]
    }

    /// `pairs`: verified pairs with their similarity; `similarity(a, b)` verifies any other pair
    /// (nil when not alike), asked only when an image may join a group.
    public static func groups(
        pairs: [(a: Int, b: Int, score: Double)], similarity: (Int, Int) -> Double?
    ) -> [Group] {
        var groups: [Group] = []
        var groupOf: [Int: Int] = [:]
        let ordered = pairs.sorted { $0.score != $1.score ? $0.score > $1.score : ($0.a, $0.b) < ($1.a, $1.b) }
        for pair in ordered {
            switch (groupOf[pair.a], groupOf[pair.b]) {
            case (nil, nil):
                let (first, second) = pair.a < pair.b ? (pair.a, pair.b) : (pair.b, pair.a)
                groupOf[first] = groups.count
                groupOf[second] = groups.count
                groups.append(Group(members: [first, second], scores: [1, pair.score]))
            case (let group?, nil), (nil, let group?):
                let newcomer = groupOf[pair.a] == nil ? pair.a : pair.b
                var scores: [Double] = []
                for member in groups[group].members {
                    guard let score = member == (newcomer == pair.a ? pair.b : pair.a) ? pair.score : similarity(member, newcomer) else {
                        break
                    }
                    scores.append(score)
                }
                guard scores.count == groups[group].members.count else { continue }
                groupOf[newcomer] = group
                groups[group].members.append(newcomer)
                groups[group].scores.append(scores[0])
            default:
                continue  // both grouped already: groups never merge
            }
        }
        return groups
    }
}
