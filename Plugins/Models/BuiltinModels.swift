import VisionModelAPI

/// Registers every built-in model. The CLI calls it once at startup; importing VisionModels
/// registers nothing by itself. Throws `ModelError.duplicateName` if one is already there.
public func registerBuiltinModels(in registry: ModelRegistry) throws {
    // The one table of built-ins; a new model is one file plus one line here.
    let builtins: [any ModelPlugin] = [
        LinearModel(),
        MLPModel(),
        LeNetModel(),
        DefectNetModel(),
        ResNetCIFARModel(depth: 20),
        ResNetCIFARModel(depth: 32),
        ResNetCIFARModel(depth: 44),
        ResNetCIFARModel(depth: 56),
        ResNetModel(depth: 18),
        ResNetModel(depth: 34),
        MobileNetV2Model(),
        VGGModel(),
    ]
    for plugin in builtins { try registry.register(plugin) }
}
