import Foundation
import VisionImage

/// Turns dataset items into batches: background decode threads, a bounded prefetch queue,
/// per-epoch reshuffling, drop-last, class-balanced sampling and sharding.
///
/// Deterministic: the order comes from (seed, epoch) and each sample's augmentation from its own
/// generator stream (seed, epoch, position in the epoch), so the batches are the same whatever the
/// number of workers and whichever thread decodes what.
public final class DataLoader: Sendable {
    public let items: [DatasetItem]
    public let transform: Compose
    public let options: LoaderOptions
    private let classCount: Int

    public init(items: [DatasetItem], transform: Compose, options: LoaderOptions = LoaderOptions()) throws(LoaderError) {
        try options.validate()
        guard !items.isEmpty else { throw .invalidOptions("expected at least one item, got an empty dataset") }
        if let bad = items.first(where: { $0.label < 0 }) {
            throw .invalidOptions("\(bad.path) has label \(bad.label), expected a class index ≥ 0")
        }
        self.items = items
        self.transform = transform
        self.options = options
        classCount = (items.map(\.label).max() ?? 0) + 1
    }

    /// The (item index, generator stream) of each sample this rank sees in `epoch`, in order.
    public func plan(epoch: Int) -> [(item: Int, stream: UInt64)] {
        let n = items.count
        var order: [Int]
        var generator = RandomGenerator(seed: options.seed, stream: UInt64(truncatingIfNeeded: epoch), 0x5A3D_1E)
        if options.classBalanced {
            var byClass = [[Int]](repeating: [], count: classCount)
            for (index, item) in items.enumerated() { byClass[item.label].append(index) }
            let present = byClass.filter { !$0.isEmpty }
            order = (0..<n).map { _ in
                let members = present[generator.int(below: present.count)]
                return members[generator.int(below: members.count)]
            }
        } else if options.shuffle {
            order = generator.permutation(n)
        } else {
            order = Array(0..<n)
        }
        let world = options.worldSize
        guard world > 1 else { return order.enumerated().map { ($0.element, UInt64($0.offset)) } }
        // Distributed: each global batch (batch size × world size positions) is dealt among the
        // ranks, rank r taking its positions r, r + world, …; nothing is padded or repeated, so
        // the ranks together see exactly what one process sees, batch for batch. The last global
        // batch may leave a rank fewer images, or none.
        let global = options.batchSize * world
        let limit = options.dropLast ? n / global * global : n
        var plan: [(item: Int, stream: UInt64)] = []
        plan.reserveCapacity(limit / world + 1)
        var start = 0
        while start < limit {
            var position = start + options.rank
            while position < min(start + global, limit) {
                plan.append((order[position], UInt64(position)))
                position += world
            }
            start += global
        }
        return plan
    }

    /// Batches in an epoch: the same on every rank (a rank's last one may be empty).
    public func batchCount(epoch: Int = 0) -> Int {
        let global = options.batchSize * options.worldSize
        return options.dropLast ? items.count / global : (items.count + global - 1) / global
    }

    /// An iterator over the batches of `epoch`; decoding starts at once on the worker threads.
    public func epoch(_ epoch: Int) -> EpochIterator {
        EpochIterator(loader: self, epoch: epoch)
    }

    /// Decodes and transforms the samples of batch `index`.
    func makeBatch(_ index: Int, plan: [(item: Int, stream: UInt64)], epoch: Int) -> Result<(Batch, [BadImage]), LoaderError> {
        let start = min(index * options.batchSize, plan.count)
        let end = min(start + options.batchSize, plan.count)
        var samples: [(FloatImage, Int, String)] = []
        samples.reserveCapacity(end - start)
        var bad: [BadImage] = []
        let hint = transform.decodeSizeHint
        let decodeOptions = DecodeOptions(layout: options.layout, sizeHint: hint, limits: options.limits)
        for position in start..<end {
            let (itemIndex, stream) = plan[position]
            let item = items[itemIndex]
            let image: Image
            do {
                image = try ImageDecoder.decode(contentsOf: item.path, options: decodeOptions).image
            } catch {
                if options.onBadImage == .fail { return .failure(.badImage(path: item.path, reason: error.description)) }
                bad.append(BadImage(path: item.path, reason: error.description))
                continue
            }
            var generator = RandomGenerator(seed: options.seed, stream: UInt64(truncatingIfNeeded: epoch), stream)
            do {
                let output: FloatImage
                switch try transform.apply(.image(image), using: &generator) {
                case .tensor(let tensor): output = tensor
                case .image(let image): output = ToTensor.convert(image, mean: nil, std: nil)
                }
                if let first = samples.first?.0, first.shape != output.shape {
                    return .failure(.transform(path: item.path, .shapeMismatch(path: item.path, expected: first.shape, got: output.shape)))
                }
                samples.append((output, item.label, item.path))
            } catch {
                // An image the pipeline cannot take (smaller than a crop, say) is a bad image like
                // an undecodable one: skipped and reported under the skip policy.
                if options.onBadImage == .skip {
                    bad.append(BadImage(path: item.path, reason: error.description))
                    continue
                }
                return .failure(.transform(path: item.path, error))
            }
        }
        guard let first = samples.first?.0 else {
            return .success((Batch(images: [], shape: [0, 0, 0, 0], labels: [], paths: [], index: index), bad))
        }
        let size = first.values.count
        var images = [Float](repeating: 0, count: size * samples.count)
        images.withUnsafeMutableBufferPointer { out in
            for (n, sample) in samples.enumerated() {
                sample.0.values.withUnsafeBufferPointer { src in
                    guard let from = src.baseAddress, let to = out.baseAddress else { return }
                    (to + n * size).update(from: from, count: size)
                }
            }
        }
        let batch = Batch(
            images: images, shape: [samples.count, first.channels, first.height, first.width],
            labels: samples.map(\.1), paths: samples.map(\.2), index: index)
        return .success((batch, bad))
    }
}

/// The batches of one epoch, in order. Files skipped as bad are in `badImages` (in batch order)
/// once the batches holding them have been returned.
public final class EpochIterator {
    public let epoch: Int
    /// Files left out so far under the skip policy.
    public private(set) var badImages: [BadImage] = []
    private let loader: DataLoader
    private let state: PrefetchState
    private var nextIndex = 0

    init(loader: DataLoader, epoch: Int) {
        self.loader = loader
        self.epoch = epoch
        let plan = loader.plan(epoch: epoch)
        let count = loader.batchCount(epoch: epoch)
        state = PrefetchState(batchCount: count, limit: loader.options.prefetch)
        for _ in 0..<min(loader.options.workers, count) {
            let state = self.state
            let thread = Thread { [loader, plan, epoch] in
                while let index = state.claim() {
                    state.deliver(index, loader.makeBatch(index, plan: plan, epoch: epoch))
                }
            }
            thread.stackSize = 1 << 22
            thread.start()
        }
        if loader.options.workers == 0 { state.synchronousPlan = plan }
    }

    deinit { state.cancel() }

    /// Batches in this epoch.
    public var count: Int { state.batchCount }

    /// The next batch, or nil at the end of the epoch. A batch may be short when files were
    /// skipped; it is empty (count 0) only if all its files were bad.
    public func next() throws(LoaderError) -> Batch? {
        guard nextIndex < state.batchCount else { return nil }
        let result: Result<(Batch, [BadImage]), LoaderError>
        if let plan = state.synchronousPlan {
            result = loader.makeBatch(nextIndex, plan: plan, epoch: epoch)
        } else {
            result = state.take(nextIndex)
        }
        nextIndex += 1
        switch result {
        case .success(let (batch, bad)):
            badImages += bad
            return batch
        case .failure(let error):
            state.cancel()
            nextIndex = state.batchCount
            throw error
        }
    }

    /// Every remaining batch (convenient in tests and small runs).
    public func collect() throws(LoaderError) -> [Batch] {
        var out: [Batch] = []
        while let batch = try next() { out.append(batch) }
        return out
    }
}

/// The shared queue between workers and the consumer: workers claim batch indices in order but
/// never more than `limit` ahead of the consumer, so memory stays bounded.
final class PrefetchState: @unchecked Sendable {
    let batchCount: Int
    private let limit: Int
    private let condition = NSCondition()
    private var nextToClaim = 0
    private var consumed = 0
    private var cancelled = false
    private var results: [Int: Result<(Batch, [BadImage]), LoaderError>] = [:]
    var synchronousPlan: [(item: Int, stream: UInt64)]?

    init(batchCount: Int, limit: Int) {
        self.batchCount = batchCount
        self.limit = limit
    }

    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && nextToClaim < batchCount && nextToClaim >= consumed + limit { condition.wait() }
        guard !cancelled && nextToClaim < batchCount else { return nil }
        nextToClaim += 1
        return nextToClaim - 1
    }

    func deliver(_ index: Int, _ result: Result<(Batch, [BadImage]), LoaderError>) {
        condition.lock()
        if !cancelled { results[index] = result }
        condition.broadcast()
        condition.unlock()
    }

    func take(_ index: Int) -> Result<(Batch, [BadImage]), LoaderError> {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil && !cancelled { condition.wait() }
        let result = results.removeValue(forKey: index) ?? .failure(.invalidOptions("the epoch was cancelled"))
        consumed = index + 1
        condition.broadcast()
        return result
    }

    func cancel() {
        condition.lock()
        cancelled = true
        results.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
