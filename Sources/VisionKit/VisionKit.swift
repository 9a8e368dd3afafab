/// The plugin API (ModelPlugin, MetricPlugin, registries) and the workflow.
