import Crypto

/// Stratified, seeded, stable splits and k-fold assignment.
///
/// Method ("keyed-hash-threshold"): each file gets u = SHA-256(seed, class name, relative path)
/// read as a number in [0, 1). Its split is train when u < f_train, val when u < f_train + f_val,
/// test otherwise. Because u depends on nothing but the file's own key, adding or removing files
/// never moves an existing file, and two runs with the same seed agree on every machine.
/// Stratification comes from drawing per class: each class's split sizes are binomial around
/// n·f (standard deviation √(n·f·(1−f)), e.g. ±3 for 100 files at 10 %), so the class mix of every
/// split stays close to the whole's. Exact counts would need ranks, and ranks shift whenever a
/// file is added: stability wins, and `SplitDefinition.summary` shows the counts obtained.
public enum Splitter {
    /// The method name written into split files.
    public static let method = "keyed-hash-threshold"

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

    /// The split of one file under the method above.
    public static func split(seed: UInt64, className: String, relativePath: String, fractions: SplitFractions) -> DataSplit {
        let u = unitKey(seed: seed, className: className, relativePath: relativePath)
        if u < fractions.train { return .train }
        if u < fractions.train + fractions.val { return .val }
        return .test
    }

    /// A split for `dataset`. Preset splits (pre-split trees, manifests with a split column) are
    /// kept; where they have no val, val is carved from train with the fraction
    /// val / (train + val), by the same keyed hash.
    public static func makeSplit(
        for dataset: Dataset, fractions: SplitFractions = .standard, seed: UInt64 = 0
    ) -> SplitDefinition {
        var entries: [SplitDefinition.Entry] = []
        entries.reserveCapacity(dataset.items.count)
        let presetHasVal = dataset.items.contains { $0.presetSplit == .val }
        let presetHasTest = dataset.items.contains { $0.presetSplit == .test }
        // A preset tree's missing val (or test) is carved from its train images by the same keyed
        // hash, in proportion to the fractions asked for.
        let val = presetHasVal ? 0 : fractions.val, test = presetHasTest ? 0 : fractions.test
        let total = fractions.train + val + test
        let carve = SplitFractions(uncheckedTrain: fractions.train / total, val: val / total, test: test / total)
        for item in dataset.items {
            let name = dataset.classes[item.label]
            var split: DataSplit
            if let preset = item.presetSplit {
                split = preset
                if preset == .train && (!presetHasVal || !presetHasTest) {
                    split = self.split(seed: seed, className: name, relativePath: item.relativePath, fractions: carve)
                }
            } else {
                split = self.split(seed: seed, className: name, relativePath: item.relativePath, fractions: fractions)
            }
            entries.append(SplitDefinition.Entry(path: item.relativePath, label: name, split: split))
        }
        return SplitDefinition(
            seed: seed, fractions: fractions, preset: dataset.hasPresetSplits, classes: dataset.classes, entries: entries)
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
