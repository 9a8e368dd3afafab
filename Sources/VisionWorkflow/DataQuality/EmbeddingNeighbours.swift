import Foundation
import VisionData
import VisionImage
import VisionModelAPI
import VisionNN
import VisionTensor

/// Near-duplicate candidates from a trained model (the CIFAR duplicate study's second source):
/// each image's nearest others by cosine similarity of the model's penultimate features, which
/// stay close under changes a hash does not survive. Candidates only: verification follows.
public enum EmbeddingNeighbours {
    /// The model's penultimate features of `items`, unit length, for those that could be read.
    public struct Embedding: Sendable {
        /// Index into the items of each row.
        public var owners: [Int]
        /// Rows × width, row-major.
        public var features: [Float]
        public var width: Int
        public var count: Int { owners.count }
    }

    public static func embed(_ loaded: LoadedModel, items: [DatasetItem], workers: Int = 2, limits: DecodeLimits = .standard) throws -> Embedding {
        let p = loaded.metadata.preprocessing
        guard !items.isEmpty else { return Embedding(owners: [], features: [], width: 0) }
        let loader = try DataLoader(
            items: items, transform: try PreprocessingTransforms.evaluation(p),
            options: LoaderOptions(batchSize: 128, shuffle: false, workers: workers, onBadImage: .skip, layout: p.channels == 1 ? .gray : .rgb, limits: limits))
        let rowOf = Dictionary(items.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { first, _ in first })
        var owners: [Int] = [], features: [Float] = []
        var width = 0
        loaded.model.eval()
        let iterator = loader.epoch(0)
        try GradientMode.withoutGradients {
            while let batch = try iterator.next() {
                guard batch.count > 0 else { continue }
                let f = try loaded.model.features(try Tensor(batch.images, shape: batch.shape))
                width = f.count / batch.count
                let values = f.scalars
                for (row, path) in batch.paths.enumerated() {
                    guard let owner = rowOf[path] else { continue }
                    var v = Array(values[(row * width)..<((row + 1) * width)])
                    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if norm > 0 { v = v.map { $0 / norm } }
                    owners.append(owner)
                    features += v
                }
            }
        }
        return Embedding(owners: owners, features: features, width: width)
    }

    /// Pairs (indices into the items) of each image and its `neighbours` nearest others with
    /// cosine similarity at least `minimum`.
    public static func candidates(_ embedding: Embedding, neighbours: Int = 5, minimum: Double = 0.5) throws -> [(Int, Int)] {
        let (owners, features, width) = (embedding.owners, embedding.features, embedding.width)
        let n = owners.count
        guard n > 1, width > 0 else { return [] }
        let all = try Tensor(features, shape: [n, width])
        var pairs: [(Int, Int)] = []
        let block = 256
        try GradientMode.withoutGradients {
            var start = 0
            while start < n {
                let rows = min(block, n - start)
                let part = try Tensor(Array(features[(start * width)..<((start + rows) * width)]), shape: [rows, width])
                let similarity = try linear(part, weight: all, bias: nil).scalars  // rows × n cosines
                for r in 0..<rows {
                    let i = start + r
                    var best: [(Float, Int)] = []
                    for j in 0..<n where j != i {
                        let s = similarity[r * n + j]
                        guard Double(s) >= minimum else { continue }
                        if best.count < neighbours {
                            best.append((s, j))
                            best.sort { $0.0 > $1.0 }
                        } else if let last = best.last, s > last.0 {
                            best[best.count - 1] = (s, j)
                            best.sort { $0.0 > $1.0 }
                        }
                    }
                    for (_, j) in best { pairs.append((owners[i], owners[j])) }
                }
                start += rows
            }
        }
        return pairs
    }

    /// Images whose cosine distance to their class's mean feature is more than 3 standard
    /// deviations above the class's typical distance.
    public static func outliers(_ embedding: Embedding, items: [DatasetItem], classes: [String]) -> [AuditReport.Outlier] {
        let w = embedding.width
        var out: [AuditReport.Outlier] = []
        for label in classes.indices {
            let rows = embedding.owners.indices.filter { items[embedding.owners[$0]].label == label }
            guard rows.count >= 8, w > 0 else { continue }
            var centre = [Float](repeating: 0, count: w)
            for row in rows { for k in 0..<w { centre[k] += embedding.features[row * w + k] } }
            let norm = centre.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { continue }
            let distances = rows.map { row in 1 - Double((0..<w).reduce(Float(0)) { $0 + embedding.features[row * w + $1] * centre[$1] } / norm) }
            let mean = distances.reduce(0, +) / Double(distances.count)
            let std = (distances.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(distances.count)).squareRoot()
            guard std > 1e-9 else { continue }
            for (row, distance) in zip(rows, distances) where (distance - mean) / std > 3 {
                out.append(.init(path: items[embedding.owners[row]].path, class: classes[label], value: distance, typical: mean, deviation: (distance - mean) / std))
            }
        }
        return out.sorted { $0.deviation > $1.deviation }
    }
}
