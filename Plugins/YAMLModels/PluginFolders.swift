import Foundation
import VisionModelAPI
import VisionPluginAPI

/// Where model files are looked for: `--plugin-dir` folders first, then the colon-separated
/// `VISION_PLUGIN_PATH` (empty entries ignored).
public func pluginSearchPaths(directories: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
    let fromEnvironment = (environment["VISION_PLUGIN_PATH"] ?? "").split(separator: ":").map(String.init)
    return directories + fromEnvironment.filter { !$0.isEmpty }
}

/// Registers every model file (`*.yaml`, `*.yml`, `*.json`, sorted by name) directly inside
/// each folder; returns the names registered. A missing folder, a broken file or a name that is
/// already taken is an error naming the folder or file: nothing is skipped silently.
@discardableResult
public func loadPluginFolders(_ paths: [String], into registry: ModelRegistry) throws -> [String] {
    var registered: [String] = []
    for folder in paths {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError.pluginFolder(path: folder, detail: "no such folder")
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw ModelError.pluginFolder(path: folder, detail: "cannot list it (\(error.localizedDescription))")
        }
        let files = entries.filter { name in
            !name.hasPrefix(".") && [".yaml", ".yml", ".json"].contains { name.lowercased().hasSuffix($0) }
        }.sorted(by: PluginNames.naturalLess)
        for name in files {
            let plugin = try YAMLModelPlugin(contentsOf: (folder as NSString).appendingPathComponent(name))
            try registry.register(plugin)
            registered.append(plugin.name)
        }
    }
    return registered
}
