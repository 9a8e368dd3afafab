#!/usr/bin/env python3
"""The PyTorch side of the cold-start benchmark: what `vision infer MODEL one.png` does, in one
python process (import torch, build ResNet-20 and load its weights, decode and normalise the
PNG, one forward pass, print the top class and its probability).

Usage: python3 cold_start_torch.py WEIGHTS.pt IMAGE.png
       python3 cold_start_torch.py --save WEIGHTS.pt   (writes random weights once)
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_baseline import MODELS  # noqa: E402

torch.set_num_threads(int(os.environ.get("THREADS", "2")))
model = MODELS["resnet20"](3, 10)
if sys.argv[1] == "--save":
    torch.save(model.state_dict(), sys.argv[2])
    sys.exit(0)
from PIL import Image  # noqa: E402
import numpy as np  # noqa: E402

model.load_state_dict(torch.load(sys.argv[1]))
model.eval()
pixels = np.asarray(Image.open(sys.argv[2]).convert("RGB").resize((32, 32)), dtype=np.float32) / 255
x = torch.from_numpy((pixels - 0.5) / 0.25).permute(2, 0, 1).unsqueeze(0)
with torch.inference_mode():
    probabilities = torch.softmax(model(x), dim=1)[0]
top = int(probabilities.argmax())
print(sys.argv[2], top, float(probabilities[top]))
