import Foundation
import VisionData
import VisionModelAPI

/// Builds the transforms a `Preprocessing` describes: the one place where the resize policy,
/// the crop fraction and the normalisation become pixels. Training (plus augmentation),
/// evaluation, inference and serving all go through here.
public enum PreprocessingTransforms {
    /// Resize (or resize and crop, or letterbox) to the input size, to [0, 1], normalise.
    public static func evaluation(_ p: Preprocessing) throws -> Compose {
        try Compose(try geometry(p) + [ToTensor(), try Normalize(mean: p.mean, std: p.std)])
    }

    /// `evaluation` with augmentation between the geometry and the tensor: random crops from
    /// the image padded by `cropPadding` pixels, random horizontal flips.
    public static func training(_ p: Preprocessing, cropPadding: Int, flip: Bool, augment: AugmentationPolicy = .init()) throws -> Compose {
        var steps: [any Transform] = []
        // Quarter turns before resizing, so that a non-square input keeps its shape.
        if augment.quarterTurns { steps.append(RandomRotation90()) }
        if let scale = augment.scale {
            steps.append(try RandomResizedCrop(width: p.inputSize.width, height: p.inputSize.height, scale: scale))
        } else {
            steps += try geometry(p)
        }
        if cropPadding > 0 {
            steps.append(try RandomCrop(width: p.inputSize.width, height: p.inputSize.height, padding: cropPadding))
        }
        if flip || augment.horizontalFlip { steps.append(try RandomHorizontalFlip()) }
        if augment.verticalFlip { steps.append(try RandomVerticalFlip()) }
        if let degrees = augment.rotate, degrees > 0 { steps.append(try RandomRotation(degrees: degrees)) }
        if augment.brightness != nil || augment.contrast != nil {
            steps.append(try ColorJitter(brightness: augment.brightness ?? 0, contrast: augment.contrast ?? 0))
        }
        steps.append(ToTensor())
        if let sigma = augment.noise, sigma > 0 { steps.append(try GaussianNoise(sigma: sigma)) }
        steps.append(try Normalize(mean: p.mean, std: p.std))
        if let p = augment.erase, p > 0 { steps.append(try RandomErasing(p: p)) }
        return try Compose(steps)
    }

    /// Only the geometry, then to [0, 1] (for the training split's statistics).
    public static func unnormalised(_ p: Preprocessing) throws -> Compose {
        try Compose(try geometry(p) + [ToTensor()])
    }

    /// Image-to-input-size steps. `center_crop` follows timm's evaluation transform: the shorter
    /// side to ⌊side / crop_fraction⌋ (both sides for a non-square input), then the centre crop.
    static func geometry(_ p: Preprocessing) throws -> [any Transform] {
        let (width, height) = (p.inputSize.width, p.inputSize.height)
        switch p.resize {
        case .stretch:
            return [try Resize(.exact(width: width, height: height))]
        case .letterbox:
            return [try Resize(.letterbox(width: width, height: height, fill: 0))]
        case .centerCrop:
            let fraction = p.cropFraction > 0 && p.cropFraction <= 1 ? p.cropFraction : 1
            let scaled = { (side: Int) in max(side, Int((Double(side) / fraction).rounded(.down))) }
            let resize = width == height
                ? try Resize(.shorterSide(scaled(width), maxSize: nil))
                : try Resize(.exact(width: scaled(width), height: scaled(height)))
            return [resize, try CenterCrop(width: width, height: height)]
        }
    }
}
