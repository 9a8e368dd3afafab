import Crypto

/// Stratified, seeded, stable splits and k-fold assignment.
///
/// Method ("keyed-hash-threshold-v2"): each file gets u = SHA-256(seed, class name, relative path)
/// read as a number in [0, 1). Its split is train when u < f_train, val when u < f_train + f_val,
/// test otherwise. Because u depends on nothing but the file's own key, adding or removing files
/// never moves an existing file, and two runs with the same seed agree on every machine.
/// Stratification comes from drawing per class: each class's split sizes are binomial around
/// n·f (standard deviation √(n·f·(1−f)), e.g. ±3 for 100 files at 10 %), so the class mix of every
/// split stays close to the whole's. Exact counts would need ranks, and ranks shift whenever a
/// file is added: stability wins, and `SplitDefinition.summary` shows the counts obtained.
///
/// Small classes: thresholds alone leave a 10-file class without a test image a third of the time
/// (0.9¹⁰ ≈ 0.35 at 10 %). So, class by class, a wanted split (train, and val or test when its
/// fraction is > 0) that came out empty takes one file, provided the class has a file for every
/// wanted split (3 with val and test, 2 with one of them). The file taken is the one whose u lies
/// nearest below the split's range — for val the train file with the highest u, for test the
/// non-test file with the highest u; for train, which has nothing below, the lowest-u file — and
/// never the last file of another wanted split (val then takes the lowest-u test file, test the
/// highest-u train file). Train is filled first, then val, then test. The repair sees only the
/// class's own files and the seed; a class whose wanted splits all came out non-empty keeps the
/// plain threshold assignment, so there adding files never moves existing ones (in a repaired class
/// a new file can take over the repair, and the file moved earlier goes back to its own split).
/// Version 1 ("keyed-hash-threshold") had no repair; its split files still read.
public enum Splitter {
    /// The method name written into split files.
    public static let method = "keyed-hash-threshold-v2"

    /// Methods whose split files `SplitDefinition.read` accepts: a saved split lists every file's
    /// split, so one made before the small-class repair is as usable as ever.
    public static let readableMethods = ["keyed-hash-threshold", method]

    /// The file's key as a uniform number in [0, 1).
    public static func unitKey(seed: UInt64, className: String, relativePath: String) -> Double {
        Double(key(seed: seed, className: className, relativePath: relativePath) >> 11) * 0x1.0p-53
    }

    /// 64 bits of SHA-256 over (seed, class, relative path), separated so that no two different
    /// tuples share an input.
    public static func key(seed: UInt64, className: String, relativePath: String) -> UInt64 {
        var hasher = SHA256()
        withUnsafeBytes(of: seed.littleEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Array(className.utf8) + [0] + Array(relativePath.utf8))
        var value: UInt64 = 0
        for byte in hasher.finalize().prefix(8) { value = value << 8 | UInt64(byte) }
        return value
    }

    /// The split of one file by the thresholds alone (`makeSplit` may then move it, in a class
    /// too small to fill every split).
    public static func split(seed: UInt64, className: String, relativePath: String, fractions: SplitFractions) -> DataSplit {
        split(unitKey: unitKey(seed: seed, className: className, relativePath: relativePath), fractions: fractions)
    }

    static func split(unitKey u: Double, fractions: SplitFractions) -> DataSplit {
        if u < fractions.train { return .train }
        if u < fractions.train + fractions.val { return .val }
        return .test
    }

    /// A split for `dataset`. Preset splits (pre-split trees, manifests with a split column) are
    /// kept; where they have no val, val is carved from train with the fraction
    /// val / (train + val), by the same keyed hash and the same small-class repair.
    public static func makeSplit(
        for dataset: Dataset, fractions: SplitFractions = .standard, seed: UInt64 = 0
    ) -> SplitDefinition {
        let presetHasVal = dataset.items.contains { $0.presetSplit == .val }
        let presetHasTest = dataset.items.contains { $0.presetSplit == .test }
        // A preset tree's missing val (or test) is carved from its train images by the same keyed
        // hash, in proportion to the fractions asked for.
        let val = presetHasVal ? 0 : fractions.val, test = presetHasTest ? 0 : fractions.test
        let total = fractions.train + val + test
        let carve = SplitFractions(uncheckedTrain: fractions.train / total, val: val / total, test: test / total)
        var splits: [DataSplit] = []
        splits.reserveCapacity(dataset.items.count)
        // The files drawn by hash, per class and per fractions used (2·label, +1 when carved).
        var drawn: [Int: [Drawn]] = [:]
        for (index, item) in dataset.items.enumerated() {
            if let preset = item.presetSplit, preset != .train || (presetHasVal && presetHasTest) {
                splits.append(preset)
                continue
            }
            let carved = item.presetSplit != nil
            let u = unitKey(seed: seed, className: dataset.classes[item.label], relativePath: item.relativePath)
            splits.append(split(unitKey: u, fractions: carved ? carve : fractions))
            drawn[2 * item.label + (carved ? 1 : 0), default: []].append(Drawn(index: index, u: u, path: item.relativePath))
        }
        for (group, members) in drawn { fillEmptySplits(&splits, members, fractions: group % 2 == 1 ? carve : fractions) }
        let entries = zip(dataset.items, splits).map { item, split in
            SplitDefinition.Entry(path: item.relativePath, label: dataset.classes[item.label], split: split)
        }
        return SplitDefinition(
            seed: seed, fractions: fractions, preset: dataset.hasPresetSplits, classes: dataset.classes, entries: entries)
    }

    /// A file drawn by hash: its index in the dataset and its key.
    struct Drawn {
        var index: Int
        var u: Double
        var path: String
    }

    /// The small-class repair described on the type: `members` are one class's files drawn with
    /// `fractions`, and `splits` their threshold splits (indexed by `Drawn.index`).
    static func fillEmptySplits(_ splits: inout [DataSplit], _ members: [Drawn], fractions: SplitFractions) {
        var wanted: Set<DataSplit> = [.train]
        if fractions.val > 0 { wanted.insert(.val) }
        if fractions.test > 0 { wanted.insert(.test) }
        guard members.count >= wanted.count else { return }
        var counts: [DataSplit: Int] = [:]
        for member in members { counts[splits[member.index], default: 0] += 1 }
        guard wanted.contains(where: { counts[$0, default: 0] == 0 }) else { return }
        // Ascending u (the path breaks a tie, for determinism): the splits are runs of this order.
        let order = members.sorted { $0.u != $1.u ? $0.u < $1.u : $0.path < $1.path }
        for target in DataSplit.allCases where wanted.contains(target) && counts[target, default: 0] == 0 {
            let below = order.filter { splits[$0.index] < target }
            let above = order.filter { splits[$0.index] > target }
            // Nearest the target's range first; a donor never leaves a wanted split empty.
            let donor = (below.reversed() + above).first { member in
                let from = splits[member.index]
                return counts[from, default: 0] >= 2 || !wanted.contains(from)
            }
            guard let donor else { continue }  // unreachable: the class has a file per wanted split
            counts[splits[donor.index], default: 0] -= 1
            counts[target, default: 0] += 1
            splits[donor.index] = target
        }
    }

    /// Stratified k-fold: within each class, files sorted by their keyed hash are dealt to folds
    /// 0, 1, …, k−1 in turn, so every fold holds ⌊n/k⌋ or ⌈n/k⌉ files of each class. (Folds are
    /// for one fixed dataset; unlike `makeSplit`, adding files may re-deal them.) Returns a fold
    /// index per item of `dataset.items`.
    public static func kFold(_ dataset: Dataset, folds: Int, seed: UInt64 = 0) throws(DatasetError) -> [Int] {
        guard folds >= 2 else { throw .invalidFolds(folds) }
        var byClass = [[(key: UInt64, index: Int)]](repeating: [], count: dataset.classes.count)
        for (index, item) in dataset.items.enumerated() {
            let key = key(seed: seed, className: dataset.classes[item.label], relativePath: item.relativePath)
            byClass[item.label].append((key, index))
        }
        var assignment = [Int](repeating: 0, count: dataset.items.count)
        var offset = 0  // rotate the starting fold per class so small classes do not all pile on fold 0
        for members in byClass {
            let sorted = members.sorted { $0.key != $1.key ? $0.key < $1.key : $0.index < $1.index }
            for (rank, member) in sorted.enumerated() { assignment[member.index] = (rank + offset) % folds }
            offset += sorted.count
        }
        return assignment
    }
}
