#!/usr/bin/env python3
"""ONNX Runtime side of the inference benchmark: ResNet-20 (the same module as
pytorch_baseline.py, in eval mode) exported to ONNX, run by ONNX Runtime's CPU provider with
all graph optimisations, at batch 1 and 64, with warm-up and the median of timed blocks.
Prints one JSON object per line, like pytorch_baseline.py.

Usage: python3 onnxruntime_baseline.py [--threads 2]
Exits 0 with {"skipped": "..."} when torch, onnx or onnxruntime is missing (no test needs them).
"""
import argparse
import json
import os
import sys
import tempfile

try:
    import numpy as np
    import onnxruntime as ort
    import torch
except ImportError as error:
    print(json.dumps({"skipped": "onnxruntime baseline needs torch, onnx and onnxruntime (%s)" % error}))
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_baseline import MODELS, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    model = MODELS["resnet20"](3, 10).eval()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "resnet20.onnx")
        try:
            torch.onnx.export(model, torch.randn(1, 3, 32, 32), path, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, dynamo=False)
        except Exception as error:  # an exporter missing its own dependencies
            print(json.dumps({"skipped": "could not export to ONNX (%s)" % error}))
            return
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    print(json.dumps({"onnxruntime": ort.__version__, "threads": args.threads}))
    for batch, steps in ((1, 50), (64, 10)):
        x = np.random.default_rng(0).standard_normal((batch, 3, 32, 32), dtype=np.float32)
        t = timed(lambda: session.run(None, {"x": x}), steps)
        print(json.dumps({"kind": "infer", "model": "resnet20", "batch": batch,
                          "images_per_second": batch / t, "latency_ms": t * 1000}))


if __name__ == "__main__":
    main()
