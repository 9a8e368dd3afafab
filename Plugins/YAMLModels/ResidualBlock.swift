import VisionModelAPI
import VisionNN
import VisionPluginAPI
import VisionTensor

/// `body(x) + shortcut(x)`, then an optional activation. The shortcut is the identity, or a
/// 1×1 convolution + batch norm projection (`shortcut.0`, `shortcut.1`) when the body changes
/// the shape (ResNet's "option B").
public final class ResidualBlock: Module {
    public let body: Sequential
    public let shortcut: Sequential?
    public let activationKind: Activation?

    public init(body: Sequential, shortcut: Sequential?, activation: Activation?) {
        self.body = body
        self.shortcut = shortcut
        activationKind = activation
    }

    override public var children: [(name: String, module: Module)] {
        [("body", body)] + (shortcut.map { [("shortcut", $0)] } ?? [])
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        let sum = try add(body(x), shortcut.map { try $0(x) } ?? x)
        return activationKind.map { activation(sum, $0) } ?? sum
    }
}
