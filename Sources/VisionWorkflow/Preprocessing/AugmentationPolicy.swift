import Foundation
import VisionData

/// Which label-preserving changes training applies, from `--augment` and `--augment-preset`:
/// `hflip,vflip,rot90,rotate=15,scale=0.8-1.0,brightness=0.2,contrast=0.2,noise=0.02,erase=0.25`.
/// Presets: `none`; `natural` (scale 0.8–1.0 crops and horizontal flips, for photos with an up);
/// `defects` (the dihedral group: both flips and quarter turns, plus brightness and contrast
/// 0.1, for textures and parts without a natural orientation). Items after a preset add to it
/// or change its values.
public struct AugmentationPolicy: Sendable, Equatable {
    public enum Preset: String, Sendable, Codable, CaseIterable {
        case none, natural, defects
    }

    public var horizontalFlip = false
    public var verticalFlip = false
    public var quarterTurns = false
    /// Random rotation within ±degrees (after resizing; corners filled with black).
    public var rotate: Double?
    /// Random resized crops covering this share of the image (instead of the plain resize).
    public var scale: ClosedRange<Double>?
    public var brightness: Double?
    public var contrast: Double?
    /// Gaussian noise of this standard deviation on [0, 1] pixels.
    public var noise: Double?
    /// Random erasing with this probability (after normalisation, as torchvision).
    public var erase: Double?

    public init() {}

    public init(preset: Preset) {
        switch preset {
        case .none: break
        case .natural:
            scale = 0.8...1.0
            horizontalFlip = true
        case .defects:
            horizontalFlip = true
            verticalFlip = true
            quarterTurns = true
            brightness = 0.1
            contrast = 0.1
        }
    }

    /// The preset, then each comma-separated item; errors name the item and what was expected.
    public init(preset: Preset?, items: String?) throws(RunSpecificationError) {
        self.init(preset: preset ?? .none)
        for raw in (items ?? "").split(separator: ",") {
            let item = raw.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { continue }
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0].lowercased(), value = parts.count > 1 ? parts[1] : nil
            func number(_ range: ClosedRange<Double>) throws(RunSpecificationError) -> Double {
                guard let value, let x = Double(value), range.contains(x) else {
                    throw .invalidValue(key: "augment", expected: "\(name)=V with V in \(range.lowerBound)...\(range.upperBound)", found: item)
                }
                return x
            }
            switch name {
            case "hflip": horizontalFlip = true
            case "vflip": verticalFlip = true
            case "rot90": quarterTurns = true
            case "rotate": rotate = try number(0...180)
            case "brightness": brightness = try number(0...1)
            case "contrast": contrast = try number(0...1)
            case "noise": noise = try number(0...1)
            case "erase": erase = try number(0...1)
            case "scale":
                let bounds = (value ?? "").split(separator: "-").compactMap { Double($0) }
                guard bounds.count == 2, bounds[0] > 0, bounds[0] <= bounds[1], bounds[1] <= 1 else {
                    throw .invalidValue(key: "augment", expected: "scale=LO-HI with 0 < LO ≤ HI ≤ 1, e.g. scale=0.8-1.0", found: item)
                }
                scale = bounds[0]...bounds[1]
            default:
                throw .invalidValue(
                    key: "augment", expected: "hflip, vflip, rot90, rotate=DEG, scale=LO-HI, brightness=B, contrast=C, noise=S or erase=P",
                    found: item)
            }
        }
    }

    /// One line for the log: what training applies.
    public var summary: String {
        var parts: [String] = []
        if horizontalFlip { parts.append("horizontal flips") }
        if verticalFlip { parts.append("vertical flips") }
        if quarterTurns { parts.append("quarter turns") }
        if let rotate { parts.append("rotation ±\(rotate)°") }
        if let scale { parts.append("crops of \(scale.lowerBound)–\(scale.upperBound) of the image") }
        if let brightness { parts.append("brightness ±\(brightness)") }
        if let contrast { parts.append("contrast ±\(contrast)") }
        if let noise { parts.append("noise σ \(noise)") }
        if let erase { parts.append("erasing p \(erase)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}
