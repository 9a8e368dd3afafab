// VisionKit: the plugin API (metric plugins and their registry today; model plugins next) and,
// later, the workflow (model file, trainer, evaluator, predictor, reports).
//
// Layout: Configuration/ holds strict decoding shared by every plugin kind, Registry/ the name
// matching every registry uses, Metrics/ the metric plugin API.
