#!/usr/bin/env python3
"""Checks `vision import` (and so `vision train --init-from weights.safetensors`) against
torchvision, and timm when it is installed (not a test requirement).

torchvision builds resnet18 and mobilenet_v2 (3 classes) with random weights and random
batch-norm statistics, saves each state_dict as safetensors, vision imports it, and both
classify the same 256 × 256 images (vision's ImageNet preprocessing: shorter side to 256, centre
crop 224, no resampling involved). Prints the largest probability difference; exits 1 above 1e-4.

  python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch==2.13.0+cpu torchvision==0.28.0+cpu \
      --index-url https://download.pytorch.org/whl/cpu && /tmp/tv/bin/pip install safetensors numpy pillow
  /tmp/tv/bin/python benchmarks/interop/check-import.py .build/release/vision
"""
import json, os, subprocess, sys, tempfile
import numpy as np
import torch, torchvision
from PIL import Image
from safetensors.torch import save_file

vision = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/vision")
torch.manual_seed(0)
rng = np.random.default_rng(0)
mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
std = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]
worst = 0.0
builders = [("resnet18", "torchvision", torchvision.models.resnet18), ("mobilenetv2", "torchvision", torchvision.models.mobilenet_v2)]
try:  # timm's names differ for MobileNetV2 (conv_stem, blocks.S.I, conv_head): mapped on import
    import timm
    builders += [("resnet18", "timm", lambda num_classes: timm.create_model("resnet18", num_classes=num_classes)),
                 ("mobilenetv2", "timm", lambda num_classes: timm.create_model("mobilenetv2_100", num_classes=num_classes))]
except ImportError:
    print("timm is not installed: checking torchvision only")
for name, source, build in builders:
    net = build(num_classes=3).eval()
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
        # Logits of about unit spread, so that no probability saturates and every digit compares.
        head = [m for m in net.modules() if isinstance(m, torch.nn.Linear)][-1]
        spread = float(net(torch.randn(4, 3, 224, 224)).std())
        head.weight /= max(spread, 1e-6)
        head.bias /= max(spread, 1e-6)
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "weights.safetensors")
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, weights)
        model = os.path.join(tmp, "model.vision")
        subprocess.run([vision, "import", weights, "--model", name, "--classes", "a,b,c", "--output", model], check=True, capture_output=True)
        paths, batch = [], []
        for i in range(8):
            pixels = rng.integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
            path = os.path.join(tmp, f"{i}.png")
            Image.fromarray(pixels).save(path)
            paths.append(path)
            x = pixels.astype(np.float32).transpose(2, 0, 1)[:, 16:240, 16:240] / 255
            batch.append((x - mean) / std)
        with torch.no_grad():
            expected = torch.softmax(net(torch.tensor(np.stack(batch))), 1).numpy().astype(np.float64)
        out = subprocess.run([vision, "infer", model, *paths, "--format", "jsonl", "--top-k", "3", "--argmax"], check=True,
                             capture_output=True, text=True).stdout
        got = []
        for line in out.splitlines():
            p = {t["label"]: t["probability"] for t in json.loads(line)["top"]}
            got.append([p["a"], p["b"], p["c"]])
        diff = float(np.abs(np.array(got) - expected).max())
        assert expected.min() > 1e-3, f"saturated probabilities ({expected.min():.1e}): the comparison would say nothing"
        worst = max(worst, diff)
        print(f"{name:12s} from {source:11s} max |vision - {source}| {diff:.2e}", flush=True)
print(f"worst {worst:.2e}")
sys.exit(0 if worst <= 1e-4 else 1)
