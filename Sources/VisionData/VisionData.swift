/// Datasets, splits, audit, transforms and the loader (issue 4).
