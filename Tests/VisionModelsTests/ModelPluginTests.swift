import Testing

/// The parent of every suite here. Serialized: oneDNN's OpenMP threads spin while they wait,
/// so dozens of concurrent tests on 2 cores slow each other down by orders of magnitude.
@Suite(.serialized) struct ModelPluginTests {}
