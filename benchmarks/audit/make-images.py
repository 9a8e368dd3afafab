#!/usr/bin/env python3
"""A large labelled folder of small gray PNGs for the data-audit scale benchmark (not committed).

ROOT/class_K/NNNNNNN.png, 28×28 8-bit gray, written with zlib alone (no imaging library). Each
image is a smooth random field plus its class's pattern, so hashes spread as on real data; 0.5 %
are exact copies and 0.5 % are brightened copies (+12 levels) of an earlier image of the same
class, so the duplicate search has real work.

Usage: python3 make-images.py ROOT [COUNT=1000000] [CLASSES=10]
"""
import os
import random
import struct
import sys
import zlib
from multiprocessing import Pool

SIDE = 28


def png(pixels):
    raw = b"".join(b"\0" + bytes(pixels[y * SIDE:(y + 1) * SIDE]) for y in range(SIDE))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIDE, SIDE, 8, 0, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def image(seed, label):
    rng = random.Random(seed)
    # A coarse 7×7 random field, upsampled ×4 with bilinear weights, plus a class stripe.
    coarse = [rng.randint(0, 200) for _ in range(64)]
    out = []
    for y in range(SIDE):
        fy = y / 4.0
        y0 = min(int(fy), 6)
        wy = fy - y0
        for x in range(SIDE):
            fx = x / 4.0
            x0 = min(int(fx), 6)
            wx = fx - x0
            v = (coarse[y0 * 8 + x0] * (1 - wx) * (1 - wy) + coarse[y0 * 8 + x0 + 1] * wx * (1 - wy)
                 + coarse[(y0 + 1) * 8 + x0] * (1 - wx) * wy + coarse[(y0 + 1) * 8 + x0 + 1] * wx * wy)
            if (x + 3 * label) % 14 < 3:
                v += 40
            out.append(max(0, min(255, int(v))))
    return out


def work(args):
    root, start, stop, classes = args
    for index in range(start, stop):
        label = index % classes
        seed = index
        shift = 0
        roll = random.Random(index * 7919).random()
        if index > 10 * classes and roll < 0.01:
            seed = index - classes * random.Random(index).randint(1, 9)  # an earlier image of the class
            shift = 0 if roll < 0.005 else 12
        pixels = image(seed, label)
        if shift:
            pixels = [min(255, p + shift) for p in pixels]
        path = os.path.join(root, "class_%d" % label, "%07d.png" % index)
        with open(path, "wb") as f:
            f.write(png(pixels))


def main():
    root = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    classes = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    for label in range(classes):
        os.makedirs(os.path.join(root, "class_%d" % label), exist_ok=True)
    step = 10_000
    with Pool(os.cpu_count()) as pool:
        for done, _ in enumerate(pool.imap_unordered(work, [(root, s, min(s + step, count), classes) for s in range(0, count, step)])):
            print("\r%d / %d" % (min((done + 1) * step, count), count), end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


if __name__ == "__main__":
    main()
