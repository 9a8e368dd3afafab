/// A batch of samples: `images` holds N×C×H×W Float32 values, contiguous, NCHW.
public struct Batch: Sendable, Equatable {
    /// N×C×H×W values.
    public var images: [Float]
    /// [N, C, H, W].
    public var shape: [Int]
    /// Class index per sample.
    public var labels: [Int]
    /// Source file per sample, for reports.
    public var paths: [String]
    /// This batch's index within its epoch.
    public var index: Int

    public init(images: [Float], shape: [Int], labels: [Int], paths: [String], index: Int) {
        self.images = images
        self.shape = shape
        self.labels = labels
        self.paths = paths
        self.index = index
    }

    /// Samples in the batch.
    public var count: Int { labels.count }
}
