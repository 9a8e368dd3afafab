import VisionPluginAPI
/// How an image is brought to the model's input size.
public enum ResizePolicy: String, Sendable, Codable, CaseIterable {
    /// Resize both sides to the input size, ignoring the aspect ratio.
    case stretch
    /// Resize the shorter side to the input size divided by `cropFraction`, then crop the centre
    /// (timm's and torchvision's evaluation transform).
    case centerCrop = "center_crop"
    /// Resize the longer side to the input size and pad the rest with zeros (keeps everything).
    case letterbox
}

/// What a model expects of its input: stored in the model file, so that evaluation and
/// inference rebuild the same transforms (never command-line defaults; timm's `_cfg`).
public struct Preprocessing: Hashable, Sendable, Codable {
    /// Height × width the model is trained at.
    public var inputSize: InputSize
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    /// Per-channel mean subtracted after scaling pixels to [0, 1].
    public var mean: [Double]
    /// Per-channel standard deviation divided by after subtracting the mean.
    public var std: [Double]
    public var resize: ResizePolicy
    /// For `centerCrop`: the fraction of the resized image kept (0.875 = timm's default).
    public var cropFraction: Double

    public init(
        inputSize: InputSize, channels: Int, mean: [Double], std: [Double], resize: ResizePolicy = .stretch,
        cropFraction: Double = 1
    ) {
        self.inputSize = inputSize
        self.channels = channels
        self.mean = mean
        self.std = std
        self.resize = resize
        self.cropFraction = cropFraction
    }

    /// ImageNet statistics (RGB), as torchvision's pretrained models use.
    public static func imageNet(size: Int = 224) -> Preprocessing {
        Preprocessing(
            inputSize: InputSize(size), channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
            resize: .centerCrop, cropFraction: 0.875)
    }

    /// CIFAR-10 statistics (RGB, 32×32).
    public static let cifar = Preprocessing(
        inputSize: InputSize(32), channels: 3, mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616])

    /// Gray images scaled to [-1, 1]; `size` square.
    public static func gray(size: Int) -> Preprocessing {
        Preprocessing(inputSize: InputSize(size), channels: 1, mean: [0.5], std: [0.5])
    }

    /// The same preprocessing for another channel count: gray statistics are the mean of the
    /// RGB ones, and RGB repeats gray ones (the training split's statistics replace both).
    public func adapted(toChannels channels: Int) -> Preprocessing {
        guard channels != self.channels, channels > 0 else { return self }
        func resized(_ values: [Double]) -> [Double] {
            if channels == 1 { return [values.reduce(0, +) / Double(max(values.count, 1))] }
            return (0..<channels).map { values.isEmpty ? 0 : values[$0 % values.count] }
        }
        var copy = self
        copy.channels = channels
        copy.mean = resized(mean)
        copy.std = resized(std)
        return copy
    }

    enum CodingKeys: String, CodingKey {
        case inputSize = "input_size", channels, mean, std, resize, cropFraction = "crop_fraction"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputSize = try container.decode(InputSize.self, forKey: .inputSize)
        channels = try container.decode(Int.self, forKey: .channels)
        mean = try container.decode([Double].self, forKey: .mean)
        std = try container.decode([Double].self, forKey: .std)
        resize = try container.decodeIfPresent(ResizePolicy.self, forKey: .resize) ?? .stretch
        cropFraction = try container.decodeIfPresent(Double.self, forKey: .cropFraction) ?? 1
    }

    /// What stands between a decoded image and the model, for logs: `64×64 gray, center_crop 0.875`.
    public var summary: String {
        let kind = channels == 1 ? "gray" : channels == 3 ? "RGB" : "\(channels) channels"
        let policy = resize == .centerCrop ? "center_crop \(cropFraction)" : resize.rawValue
        return "\(inputSize) \(kind), \(policy)"
    }
}
