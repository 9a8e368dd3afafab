// A metric plugin imports VisionMetricAPI alone and gets the configuration vocabulary
// (StrictDecodable, EmptyConfiguration, PluginConfiguration) with it.
@_exported import VisionPluginAPI
