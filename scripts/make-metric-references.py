#!/usr/bin/env python3
"""Produce fixtures/metrics/sklearn-references.json: reference values for the Swift metric
tests (Tests/VisionMetricsTests), computed with scikit-learn on a few fixed prediction sets.

The tests read the JSON and never need Python. Regenerate after changing the sets:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn numpy
    /tmp/skl/bin/python scripts/make-metric-references.py

Conventions, matching the Swift metrics (Plugins/Metrics):
- Scores are float32 values (written as the float64 of the float32, so Swift's Float(x) is exact);
  predictions are the argmax of the scores (lowest index among ties).
- Per-class precision/recall/F use labels=range(K); macro/micro/weighted use no `labels=`
  (scikit-learn then averages over the classes present in targets or predictions).
- ROC-AUC/average precision: two classes use column `positive_class` against the rest; more
  classes are one-vs-rest (micro through label_binarize, as scikit-learn defines it).
- log_loss: probabilities are clipped to [eps, 1-eps] with eps the float32 epsilon before
  scikit-learn's log_loss (what it does itself for float32 input, but computed in float64).
- Expected calibration error has no scikit-learn function: it is computed here with numpy,
  bins (b/B, (b+1)/B], confidence = max score, correct = argmax == target.
- recall_at_precision / precision_at_recall use sklearn's precision_recall_curve on the positive
  class's score and the selection rule documented in the Swift metrics.
- NaN (zero_division="nan") is written as null.
"""

import json
import os
import sys

import numpy as np
import sklearn
from sklearn import metrics as M
from sklearn.preprocessing import label_binarize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "metrics", "sklearn-references.json")


def softmax32(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def make_sets():
    sets = []
    rng = np.random.default_rng(20240605)

    # 1. Four classes, continuous scores (no ties), imbalanced targets.
    k, n = 4, 48
    targets = rng.choice(k, size=n, p=[0.4, 0.3, 0.2, 0.1])
    logits = rng.normal(size=(n, k)) * 1.2
    logits[np.arange(n), targets] += 1.0
    sets.append(("multiclass4", k, targets, softmax32(logits), {"label", "score", "topk"}))

    # 2. Two classes, a rare positive ("defect"), scores on a 0.05 grid: many ties.
    n = 60
    targets = (rng.random(n) < 0.2).astype(int)
    p1 = np.clip(0.3 + 0.35 * targets + rng.normal(scale=0.2, size=n), 0.0, 1.0)
    p1 = (np.round(p1 * 20) / 20).astype(np.float32)
    scores = np.stack([np.float32(1) - p1, p1], axis=1).astype(np.float32)
    sets.append(("binary_defect_ties", 2, targets, scores, {"label", "score", "binary"}))

    # 3. Three classes, probabilities in tenths (ties in scores and at ECE bin edges).
    k, n = 3, 40
    targets = rng.choice(k, size=n)
    rows = []
    for t in targets:
        p = np.full(k, 0.5)
        p[t] += 1.0
        rows.append(rng.multinomial(10, p / p.sum()) / 10.0)
    sets.append(("multiclass3_tenths", k, targets, np.array(rows, dtype=np.float32), {"label", "score"}))

    # 4. Five classes where class 4 is never predicted and class 3 never a target (label metrics only).
    k, n = 5, 30
    targets = rng.choice([0, 1, 2, 4], size=n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), targets] += 1.5
    logits[:, 4] -= 10.0  # class 4 never wins the argmax
    sets.append(("multiclass5_missing", k, targets, softmax32(logits), {"label"}))

    # 5. Two classes, continuous scores, balanced.
    n = 36
    targets = rng.choice(2, size=n)
    logits = rng.normal(size=(n, 2))
    logits[np.arange(n), targets] += 0.8
    sets.append(("binary_continuous", 2, targets, softmax32(logits), {"label", "score", "binary"}))
    return sets


def clean(x):
    """Plain floats for JSON, NaN as None."""
    if isinstance(x, (list, tuple, np.ndarray)):
        return [clean(v) for v in x]
    x = float(x)
    return None if np.isnan(x) else x


def argmax_first(scores):
    return np.argmax(scores, axis=1)  # numpy returns the first maximal index


def label_cases(k, y, p, binary):
    cases = []
    labels = list(range(k))
    zd_values = [("0", 0.0, 0), ("1", 1.0, 1), ("nan", np.nan, "nan")]
    cases.append({"metric": "accuracy", "config": {}, "value": M.accuracy_score(y, p)})
    cases.append({"metric": "balanced_accuracy", "config": {},
                  "value": M.balanced_accuracy_score(y, p)})
    if len(set(y)) > 1:
        cases.append({"metric": "balanced_accuracy", "config": {"adjusted": True},
                      "value": M.balanced_accuracy_score(y, p, adjusted=True)})
    families = [("precision", M.precision_score, {}), ("recall", M.recall_score, {}),
                ("f1", M.f1_score, {}),
                ("fbeta", lambda *a, **kw: M.fbeta_score(*a, beta=2.0, **kw), {"beta": 2.0}),
                ("fbeta", lambda *a, **kw: M.fbeta_score(*a, beta=0.5, **kw), {"beta": 0.5})]
    for name, fn, extra in families:
        for zd_name, zd_value, zd_config in zd_values:
            per_class = fn(y, p, labels=labels, average=None, zero_division=zd_value)
            averages = {a: fn(y, p, average=a, zero_division=zd_value)
                        for a in ("macro", "micro", "weighted")}
            choices = ["macro", "micro", "weighted"] + (["binary"] if binary else [])
            for choice in choices:
                config = dict(extra, average=choice, zero_division=zd_config)
                value = averages[choice] if choice != "binary" else fn(
                    y, p, average="binary", pos_label=1, zero_division=zd_value)
                cases.append({"metric": name, "config": config, "value": value,
                              "per_class": per_class, "averages": averages})
    cm = M.confusion_matrix(y, p, labels=labels)
    with np.errstate(invalid="ignore", divide="ignore"):
        normalized = np.nan_to_num(cm / cm.sum(axis=1, keepdims=True))
    cases.append({"metric": "confusion_matrix", "config": {}, "value": None,
                  "matrix": cm, "normalized_matrix": normalized})
    for weights in (None, "linear", "quadratic"):
        config = {} if weights is None else {"weights": weights}
        cases.append({"metric": "cohen_kappa", "config": config,
                      "value": M.cohen_kappa_score(y, p, labels=labels, weights=weights)})
    cases.append({"metric": "matthews_correlation", "config": {},
                  "value": M.matthews_corrcoef(y, p)})
    return cases


def ece(y, scores, bins):
    confidence = scores.max(axis=1).astype(np.float64)
    correct = argmax_first(scores) == y
    edges = np.arange(bins + 1) / bins
    total, worst = 0.0, 0.0
    for b in range(bins):
        inside = (confidence > edges[b]) & (confidence <= edges[b + 1])
        if b == 0:
            inside |= confidence <= edges[0]
        if inside.any():
            gap = abs(correct[inside].mean() - confidence[inside].mean())
            total += inside.sum() / len(y) * gap
            worst = max(worst, gap)
    return total, worst


def operating_points(y_pos, s):
    precision, recall, thresholds = M.precision_recall_curve(y_pos, s)
    # sklearn appends (precision 1, recall 0) with no threshold; drop it.
    return list(zip(precision[:-1], recall[:-1], thresholds))


def recall_at_precision(y_pos, s, min_precision):
    best = None
    # Highest threshold first, as the Swift metric walks them.
    for p, r, t in sorted(operating_points(y_pos, s), key=lambda x: -x[2]):
        if p >= min_precision and (best is None or r > best[1]):
            best = (p, r, t)
    return best


def precision_at_recall(y_pos, s, min_recall):
    best = None
    for p, r, t in sorted(operating_points(y_pos, s), key=lambda x: -x[2]):
        if r >= min_recall and (best is None or p >= best[0]):
            best = (p, r, t)
    return best


def score_cases(k, y, scores, topk, binary):
    cases = []
    s64 = scores.astype(np.float64)
    labels = list(range(k))
    # The Swift metric clips to the float32 epsilon (its scores are float32), as scikit-learn does
    # for float32 input; clipping first keeps scikit-learn's arithmetic in float64.
    eps32 = float(np.finfo(np.float32).eps)
    clipped = np.clip(s64, eps32, 1 - eps32)
    cases.append({"metric": "log_loss", "config": {}, "value": M.log_loss(y, clipped, labels=labels)})
    if topk:
        for kk in (1, 2, 3):
            cases.append({"metric": "top_k_accuracy", "config": {"k": kk},
                          "value": M.top_k_accuracy_score(y, s64, k=kk, labels=labels)})
    for bins in (15, 10):
        value, worst = ece(y, scores, bins)
        config = {} if bins == 15 else {"bins": bins}
        cases.append({"metric": "expected_calibration_error", "config": config, "value": value,
                      "details": {"max_calibration_error": worst}})
    if k == 2:
        for pos in (1, 0):
            y_pos = (y == pos).astype(int)
            config = {} if pos == 1 else {"positive_class": pos}
            cases.append({"metric": "roc_auc", "config": config,
                          "value": M.roc_auc_score(y_pos, s64[:, pos])})
            cases.append({"metric": "average_precision", "config": config,
                          "value": M.average_precision_score(y_pos, s64[:, pos])})
    else:
        onehot = label_binarize(y, classes=labels)
        roc_per_class = M.roc_auc_score(y, s64, multi_class="ovr", average=None, labels=labels)
        ap_per_class = M.average_precision_score(onehot, s64, average=None)
        roc = {"macro": M.roc_auc_score(y, s64, multi_class="ovr", average="macro", labels=labels),
               "weighted": M.roc_auc_score(y, s64, multi_class="ovr", average="weighted", labels=labels),
               "micro": M.roc_auc_score(onehot, s64, average="micro")}
        ap = {a: M.average_precision_score(onehot, s64, average=a) for a in ("macro", "weighted", "micro")}
        for average in ("macro", "weighted", "micro"):
            config = {"average": average}
            cases.append({"metric": "roc_auc", "config": config, "value": roc[average],
                          "per_class": roc_per_class, "averages": roc})
            cases.append({"metric": "average_precision", "config": config, "value": ap[average],
                          "per_class": ap_per_class, "averages": ap})
    if binary:
        y_pos = (y == 1).astype(int)
        for target in (0.3, 0.5, 0.8, 0.9, 1.0):
            best = recall_at_precision(y_pos, s64[:, 1], target)
            case = {"metric": "recall_at_precision", "config": {"min_precision": target}}
            if best is None:
                case.update(value=0.0, threshold=None)
            else:
                case.update(value=best[1], threshold=best[2],
                            details={"precision": best[0], "recall": best[1]})
            cases.append(case)
        for target in (0.3, 0.5, 0.8, 0.9, 0.99, 1.0):
            best = precision_at_recall(y_pos, s64[:, 1], target)
            cases.append({"metric": "precision_at_recall", "config": {"min_recall": target},
                          "value": best[0], "threshold": best[2],
                          "details": {"precision": best[0], "recall": best[1]}})
    return cases


def main():
    out_sets = []
    for name, k, targets, scores, kinds in make_sets():
        y = np.asarray(targets, dtype=int)
        predictions = argmax_first(scores)
        cases = []
        if "label" in kinds:
            cases += label_cases(k, y, predictions, "binary" in kinds)
        if "score" in kinds:
            cases += score_cases(k, y, scores, "topk" in kinds, "binary" in kinds)
        for case in cases:
            for key in ("value", "per_class", "matrix", "normalized_matrix", "threshold"):
                if key in case and case[key] is not None:
                    case[key] = clean(case[key])
            if "averages" in case:
                case["averages"] = {a: clean(v) for a, v in case["averages"].items()}
            if "details" in case:
                case["details"] = {a: clean(v) for a, v in case["details"].items()}
        out_sets.append({
            "name": name, "num_classes": k,
            "targets": [int(t) for t in y],
            "predictions": [int(p) for p in predictions],
            "scores": [float(v) for v in scores.reshape(-1)],
            "cases": cases,
        })
    document = {
        "about": ("Reference metric values computed with scikit-learn %s (numpy %s) by "
                  "scripts/make-metric-references.py; see its docstring for the conventions. "
                  "Regenerate with: /tmp/skl/bin/python scripts/make-metric-references.py"
                  % (sklearn.__version__, np.__version__)),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "sets": out_sets,
    }
    with open(OUT, "w") as f:
        json.dump(document, f, indent=1, allow_nan=False)
        f.write("\n")
    total = sum(len(s["cases"]) for s in out_sets)
    print(f"wrote {OUT}: {len(out_sets)} sets, {total} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
