// A plugin file imports VisionModelAPI alone and gets the configuration vocabulary
// (StrictDecodable, PluginConfiguration, ConfigurationError) with it.
@_exported import VisionPluginAPI
