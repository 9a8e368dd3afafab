#!/usr/bin/env python3
"""Makes benchmark images: N synthetic 256x256 photos-like pictures (smooth colour fields, shapes
with hard edges, mild sensor noise) as JPEG (quality 90, 4:2:0, via libjpeg-turbo's cjpeg) and
PNG (via netpbm's pnmtopng), in OUT/jpeg/CLASS/ and OUT/png/CLASS/ (two classes, so the folders
also serve as ImageFolder trees). Deterministic for a given seed.

Usage: benchmarks/make-images.py OUT [--count 200] [--size 256] [--seed 1]
Needs: python3 with numpy; Debian's libjpeg-turbo-progs (cjpeg) and netpbm (pnmtopng).
"""
import argparse
import os
import subprocess
import sys

import numpy as np


def picture(rng, size):
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    image = np.zeros((size, size, 3), np.float32)
    for channel in range(3):  # low-frequency colour field
        for _ in range(4):
            fx, fy, phase = rng.uniform(0.5, 4), rng.uniform(0.5, 4), rng.uniform(0, 6.3)
            image[..., channel] += rng.uniform(20, 50) * np.sin(2 * np.pi * (fx * x + fy * y) + phase)
        image[..., channel] += rng.uniform(60, 190)
    for _ in range(rng.integers(3, 9)):  # shapes with hard edges
        colour = rng.uniform(0, 255, 3)
        cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.3)
        if rng.random() < 0.5:
            mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        else:
            mask = (abs(x - cx) < r) & (abs(y - cy) < r * rng.uniform(0.3, 1))
        image[mask] = 0.3 * image[mask] + 0.7 * colour
    image += rng.normal(0, 4, image.shape)  # sensor noise
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for kind in ("jpeg", "png"):
        for label in ("a", "b"):
            os.makedirs(os.path.join(args.out, kind, label), exist_ok=True)
    for index in range(args.count):
        pixels = picture(rng, args.size)
        ppm = b"P6\n%d %d\n255\n" % (args.size, args.size) + pixels.tobytes()
        label = "ab"[index % 2]
        name = "img%05d" % index
        jpeg = subprocess.run(["cjpeg", "-quality", "90", "-sample", "2x2"], input=ppm, capture_output=True, check=True)
        with open(os.path.join(args.out, "jpeg", label, name + ".jpg"), "wb") as f:
            f.write(jpeg.stdout)
        png = subprocess.run(["pnmtopng"], input=ppm, capture_output=True, check=True)
        with open(os.path.join(args.out, "png", label, name + ".png"), "wb") as f:
            f.write(png.stdout)
    print("wrote %d JPEG and %d PNG files under %s" % (args.count, args.count, args.out))


if __name__ == "__main__":
    sys.exit(main())
