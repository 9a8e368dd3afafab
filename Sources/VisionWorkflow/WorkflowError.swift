import VisionData

/// Errors of the workflow that are not about one option: each names the files or the split.
public enum WorkflowError: Error, Equatable, CustomStringConvertible {
    /// Every image of a pass failed to decode.
    case noReadableImages([BadImage])
    case unknownClasses([String])
    case noImages(split: String)
    case classUnreadable(name: String, files: Int, example: String)
    /// One image's forward pass would need more memory than allowed.
    case tooMuchMemory(path: String, model: String, input: String, bytesPerImage: Int, budget: Int)
    /// One rank of a distributed pass failed; every rank stops with its message.
    case shardFailed(String)

    public var description: String {
        switch self {
        case .noReadableImages(let bad):
            let shown = bad.prefix(5).map { "\($0.path) (\($0.reason))" }.joined(separator: "; ")
            return "none of the \(bad.count) images could be read: \(shown)\(bad.count > 5 ? "; …" : "")"
        case .unknownClasses(let names): return "the data has classes the model does not know: \(names.joined(separator: ", "))"
        case .noImages(let split): return "no images in the \(split) split of the data"
        case .classUnreadable(let name, let files, let example):
            return "none of the \(files) training images of class '\(name)' could be read (\(example))"
        case .tooMuchMemory(let path, let model, let input, let bytes, let budget):
            let needed = bytes == .max ? "more than can be counted" : "about \(bytes / 1_048_576 + 1) MiB"
            return "\(path): model '\(model)' at \(input) needs \(needed) of activations per image, over the limit of \(budget / 1_048_576) MiB (raise --max-activation-bytes if the file is trusted)"
        case .shardFailed(let message): return message
        }
    }
}
