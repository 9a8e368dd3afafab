#!/usr/bin/env python3
"""Produce fixtures/images/expected-pixels.tsv: reference pixels for the Swift
decoder tests ("as stored" mode), made with decoders independent of ours.

Requirements: Python 3, numpy, and the Debian command-line tools `pngtopam`
(netpbm) and `djpeg` (libjpeg-turbo-progs). No temporary files are written;
the tools are fed through stdin/stdout.

PNG  -- primary decoder: `pngtopam -alphapam` (libpng), run on a copy of the
        file with the sBIT chunk removed (see SBIT below); no -gamma, so no
        gamma correction. Every PNG is ALSO decoded by the pure-Python decoder
        in this script (zlib + unfiltering + Adam7), and the script aborts if
        the two disagree on a single sample.
        pngtopam 11.1 ignores the tRNS colour key of RGB images (alpha stays
        opaque; gray keys work), so for RGB+tRNS the alpha is derived from
        pngtopam's native-precision RGB samples and the key.
JPEG -- `djpeg -pnm` with default settings (ISLOW DCT, fancy upsampling), raw
        decoded pixels, no EXIF orientation applied.
        CMYK/YCCK JPEGs: djpeg cannot write CMYK (its PNM writer converts
        CMYK to RGB with a lossy c*k/255 formula), so the script transcodes
        the file losslessly (Huffman-decode the quantised DCT coefficients,
        re-encode them unchanged) into a 3-component YCbCr JPEG of the
        Y,Cb,Cr planes (Adobe transform 2, YCCK) or three 1-component JPEGs
        (plain CMYK), plus a 1-component JPEG of the K plane; decodes those
        with djpeg, and rebuilds the CMYK
        samples exactly as libjpeg outputs them for JCS_CMYK (Adobe-inverted
        values left as stored). The result is verified by applying djpeg's
        own CMYK->RGB formula and comparing with `djpeg -pnm` on the original.

SBIT: plain `pngtopam` (without -alphapam) honours the sBIT chunk: it shifts
samples down to the significant bits and lowers maxval (cs5n2c08 comes out
with maxval 31, i.e. v>>3). With -alphapam, netpbm 11.1 leaves samples as
stored. The Swift decoder does not apply sBIT, so as a guard the script
removes sBIT before running pngtopam anyway, and also runs pngtopam on the
unmodified file to confirm (and report) that removing it changed nothing.

Usage: scripts/make-decode-references.py [--root fixtures/images] [--out FILE]
"""

import argparse
import datetime
import glob
import hashlib
import os
import struct
import subprocess
import sys
import zlib

import numpy as np

# ----------------------------------------------------------------------------
# Input selection
# ----------------------------------------------------------------------------

PILLOW_PNGS = ["hopper.png", "p_16.png", "icc_profile.png",
               "exif_imagemagick_orientation.png"]
PILLOW_JPEGS_EXTRA = ["hopper_gray.jpg", "icc_profile_big.jpg",
                      "orientation_rectangle.jpg", "pil_sample_cmyk.jpg",
                      "invalid-exif.jpg"]  # plus hopper*.jpg
TURBO_JPEGS = ["testorig.jpg", "testimgint.jpg", "testimgari.jpg"]
SKIPPED = {
    "jpeg/pillow/truncated_jpeg.jpg": "truncated (djpeg: Premature end of JPEG file)",
    "jpeg/pillow/truncated_app14.jpg": "truncated APP14 segment (djpeg warns: extraneous bytes)",
    "jpeg/pillow/hopper_bad_exif.jpg": "corrupt entropy data after the damaged EXIF (libjpeg warns: bad Huffman code; the picture is garbage), which vision rejects",
    "jpeg/libjpeg-turbo/jpeg/monkey12.jpg": "12-bit JPEG (djpeg 8-bit build: Unsupported JPEG data precision 12)",
}


def collect(root):
    files = []
    files += sorted(glob.glob(os.path.join(root, "pngsuite/valid/*.png")))
    files += [os.path.join(root, "png/pillow", f) for f in PILLOW_PNGS]
    jp = os.path.join(root, "jpeg/pillow")
    files += sorted(glob.glob(os.path.join(jp, "hopper*.jpg")))
    files += [os.path.join(jp, f) for f in PILLOW_JPEGS_EXTRA]
    files += [os.path.join(root, "jpeg/libjpeg-turbo/jpeg", f) for f in TURBO_JPEGS]
    rel = sorted(set(os.path.relpath(f, root) for f in files) - set(SKIPPED))
    for r in rel:
        if not os.path.isfile(os.path.join(root, r)):
            sys.exit("missing input: " + r)
    return rel


def run(cmd, data, ok=(0,)):
    """Run a tool on stdin data; djpeg exits 2 after a recoverable warning."""
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in ok:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                   p.stderr.decode(errors="replace")))
    return p.stdout, p.stderr.decode(errors="replace").strip()


# ----------------------------------------------------------------------------
# Netpbm parsing and 8-bit scaling
# ----------------------------------------------------------------------------

def parse_netpbm(buf):
    """Parse PAM (P7) or binary PGM/PPM (P5/P6). Returns (array HxWxD uint32, maxval)."""
    magic = buf[:2]
    if magic == b"P7":
        end = buf.index(b"ENDHDR\n")
        hdr = {}
        for line in buf[:end].decode("ascii").splitlines()[1:]:
            line = line.split("#")[0].strip()
            if line:
                k, _, v = line.partition(" ")
                hdr[k] = v.strip()
        w, h, d, mv = (int(hdr[k]) for k in ("WIDTH", "HEIGHT", "DEPTH", "MAXVAL"))
        body = buf[end + 7:]
    elif magic in (b"P5", b"P6"):
        d = 1 if magic == b"P5" else 3
        toks, pos = [], 2
        while len(toks) < 3:
            while buf[pos:pos + 1].isspace():
                pos += 1
            if buf[pos:pos + 1] == b"#":
                pos = buf.index(b"\n", pos)
                continue
            start = pos
            while not buf[pos:pos + 1].isspace():
                pos += 1
            toks.append(int(buf[start:pos]))
        w, h, mv = toks
        body = buf[pos + 1:]
    else:
        raise ValueError("not a binary netpbm stream: %r" % magic)
    dt = np.dtype(">u2") if mv > 255 else np.dtype(np.uint8)
    n = w * h * d
    a = np.frombuffer(body, dtype=dt, count=n)
    if len(body) != n * dt.itemsize:
        raise ValueError("netpbm body size %d != %d" % (len(body), n * dt.itemsize))
    return a.reshape(h, w, d).astype(np.uint32), mv


def to8(a, maxval):
    """Scale samples with the given maxval to 8 bits, per the Swift semantics."""
    a = a.astype(np.uint32)
    if a.max(initial=0) > maxval:
        raise ValueError("sample exceeds maxval")
    if maxval == 255:
        r = a
    elif maxval == 65535:
        r = (2 * a + 257) // 514          # floor(v/257 + 0.5) == round(v/257)
    elif maxval in (1, 3, 15):
        r = a * 255 // maxval             # exact: 255 is divisible by 1, 3, 15
        assert np.all(r * maxval == a * 255)
    else:
        raise ValueError("unexpected maxval %d (sBIT leak?)" % maxval)
    return r.astype(np.uint8)


# ----------------------------------------------------------------------------
# PNG: chunk walk, pngtopam path, independent pure-Python decoder
# ----------------------------------------------------------------------------

PNG_SIG = b"\x89PNG\r\n\x1a\n"
CT_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_chunks(data):
    if data[:8] != PNG_SIG:
        raise ValueError("not a PNG")
    pos, out = 8, []
    while pos < len(data):
        n, t = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if zlib.crc32(t + body) != crc:
            raise ValueError("CRC mismatch in %s" % t)
        out.append((t, body, data[pos:pos + 12 + n]))
        pos += 12 + n
        if t == b"IEND":
            break
    return out


def png_info(chunks):
    t0, ihdr, _ = chunks[0]
    assert t0 == b"IHDR"
    w, h, bd, ct, comp, filt, il = struct.unpack(">IIBBBBB", ihdr)
    types = [c[0] for c in chunks]
    has_trns = b"tRNS" in types
    if ct in (0, 2, 3):
        channels = {0: 1, 2: 3, 3: 3}[ct] + (1 if has_trns else 0)
    else:
        channels = CT_CHANNELS[ct]
    return dict(width=w, height=h, bitdepth=bd, colortype=ct, interlace=il,
                trns=has_trns, sbit=b"sBIT" in types, channels=channels)


def png_via_pngtopam(data, chunks, info):
    stripped = PNG_SIG + b"".join(raw for t, _, raw in chunks if t != b"sBIT")
    out, err = run(["pngtopam", "-alphapam"], stripped)
    sbit_noop = None
    if info["sbit"]:
        out_orig, _ = run(["pngtopam", "-alphapam"], data)
        sbit_noop = out_orig == out
    a, mv = parse_netpbm(out)
    h, w, d = a.shape
    assert (w, h) == (info["width"], info["height"]), "pngtopam size mismatch"
    color = info["colortype"] in (2, 3, 6)
    if d != (4 if color else 2):
        raise ValueError("pngtopam -alphapam gave depth %d" % d)
    fixed_alpha = False
    if info["trns"] and info["colortype"] in (0, 2):
        # colour-key transparency: alpha = 0 where the native-precision sample(s)
        # equal the tRNS key. pngtopam 11.1 gets this right for gray but ignores
        # the key for RGB (alpha stays opaque), so derive it from pngtopam's own
        # (native-precision, maxval 2^bitdepth-1) colour samples and the key.
        assert mv == (1 << info["bitdepth"]) - 1
        trns = next(b for t, b, _ in chunks if t == b"tRNS")
        key = np.array(struct.unpack(">%dH" % (len(trns) // 2), trns), np.uint32)
        keyed = np.where(np.all(a[..., :-1] == key, axis=2), 0, mv)
        if not np.array_equal(keyed, a[..., -1]):
            if not np.all(a[..., -1] == mv):
                raise ValueError("pngtopam tRNS alpha is neither right nor all-opaque")
            a = a.copy()
            a[..., -1] = keyed
            fixed_alpha = True
    a8 = to8(a, mv)
    want = info["channels"]
    if want == d - 1:
        # pngtopam always adds alpha; the file has none -> must be opaque, drop it
        if not np.all(a[..., -1] == mv):
            raise ValueError("pngtopam alpha not opaque for a file without alpha/tRNS")
        a8 = a8[..., :-1]
    elif want != d:
        raise ValueError("channel rule mismatch: want %d, pngtopam %d" % (want, d))
    return np.ascontiguousarray(a8), mv, err, fixed_alpha, sbit_noop


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def _unfilter(raw, pos, rows, rowbytes, bpp):
    """Undo PNG filtering; returns (list of bytearray rows, new pos)."""
    prev = bytearray(rowbytes)
    out = []
    for _ in range(rows):
        ft = raw[pos]
        cur = bytearray(raw[pos + 1:pos + 1 + rowbytes])
        pos += 1 + rowbytes
        if ft == 0:
            pass
        elif ft == 1:
            for i in range(bpp, rowbytes):
                cur[i] = (cur[i] + cur[i - bpp]) & 255
        elif ft == 2:
            cur = bytearray(((np.frombuffer(cur, np.uint8).astype(np.uint16)
                              + np.frombuffer(prev, np.uint8)) & 255).astype(np.uint8).tobytes())
        elif ft == 3:
            for i in range(rowbytes):
                left = cur[i - bpp] if i >= bpp else 0
                cur[i] = (cur[i] + ((left + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(rowbytes):
                a = cur[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
                cur[i] = (cur[i] + pr) & 255
        else:
            raise ValueError("bad filter type %d" % ft)
        out.append(cur)
        prev = cur
    return out, pos


def _unpack(rows, width, nch, bd):
    buf = np.frombuffer(b"".join(rows), np.uint8).reshape(len(rows), -1)
    if bd == 8:
        s = buf[:, :width * nch].astype(np.uint32)
    elif bd == 16:
        s = buf[:, :width * nch * 2].reshape(len(rows), -1, 2).astype(np.uint32)
        s = s[..., 0] * 256 + s[..., 1]
    else:
        bits = np.unpackbits(buf, axis=1)[:, :width * nch * bd]
        bits = bits.reshape(len(rows), width * nch, bd).astype(np.uint32)
        s = np.zeros(bits.shape[:2], np.uint32)
        for k in range(bd):
            s = s * 2 + bits[..., k]
    return s.reshape(len(rows), width, nch)


def png_python_decode(data, chunks, info):
    """Independent decoder: returns 8-bit HxWxC following the Swift rules."""
    w, h, bd, ct = info["width"], info["height"], info["bitdepth"], info["colortype"]
    nch = CT_CHANNELS[ct]
    raw = zlib.decompress(b"".join(b for t, b, _ in chunks if t == b"IDAT"))
    bpp = max(1, nch * bd // 8)
    samples = np.zeros((h, w, nch), np.uint32)
    pos = 0
    passes = ADAM7 if info["interlace"] else [(0, 0, 1, 1)]
    for xs, ys, dx, dy in passes:
        pw, ph = (w - xs + dx - 1) // dx, (h - ys + dy - 1) // dy
        if pw <= 0 or ph <= 0:
            continue
        rows, pos = _unfilter(raw, pos, ph, (pw * nch * bd + 7) // 8, bpp)
        samples[ys::dy, xs::dx] = _unpack(rows, pw, nch, bd)
    if pos != len(raw):
        raise ValueError("%d trailing bytes after image data" % (len(raw) - pos))
    body = {t: b for t, b, _ in chunks}
    trns = body.get(b"tRNS")
    if ct == 3:
        pal = np.frombuffer(body[b"PLTE"], np.uint8).reshape(-1, 3)
        idx = samples[..., 0]
        if idx.max() >= len(pal):
            raise ValueError("palette index out of range")
        rgb = pal[idx]
        if trns is None:
            return np.ascontiguousarray(rgb)
        alpha = np.full(256, 255, np.uint8)
        alpha[:len(trns)] = np.frombuffer(trns, np.uint8)
        return np.ascontiguousarray(np.dstack([rgb, alpha[idx]]))
    mv = (1 << bd) - 1
    out = to8(samples, mv)
    if trns is not None and ct in (0, 2):
        key = np.array(struct.unpack(">%dH" % (len(trns) // 2), trns), np.uint32)
        transparent = np.all(samples == key, axis=2)
        out = np.dstack([out, np.where(transparent, 0, 255).astype(np.uint8)])
    return np.ascontiguousarray(out)


# ----------------------------------------------------------------------------
# EXIF orientation
# ----------------------------------------------------------------------------

def tiff_orientation(tiff):
    """Orientation (tag 0x0112) from IFD0 of a TIFF/EXIF blob; None if absent/bad."""
    try:
        if tiff[:2] == b"II":
            e = "<"
        elif tiff[:2] == b"MM":
            e = ">"
        else:
            return None
        if struct.unpack(e + "H", tiff[2:4])[0] != 42:
            return None
        off = struct.unpack(e + "I", tiff[4:8])[0]
        n = struct.unpack(e + "H", tiff[off:off + 2])[0]
        for i in range(n):
            ent = tiff[off + 2 + 12 * i: off + 14 + 12 * i]
            if len(ent) < 12:
                return None
            tag, typ, cnt = struct.unpack(e + "HHI", ent[:8])
            if tag == 0x0112:
                if typ != 3 or cnt < 1:
                    return None
                v = struct.unpack(e + "H", ent[8:10])[0]
                return v if 1 <= v <= 8 else None
    except (struct.error, IndexError):
        return None
    return None


def jpeg_segments(data):
    """Marker segments before the first SOS: list of (marker, payload)."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    pos, out = 2, []
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError("marker expected at %d" % pos)
        m = data[pos + 1]
        if m == 0xFF:
            pos += 1
            continue
        n = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        out.append((m, data[pos + 4:pos + 2 + n], pos))
        if m == 0xDA:
            break
        pos += 2 + n
    return out


def jpeg_orientation(segs):
    for m, p, _ in segs:
        if m == 0xE1 and p[:6] == b"Exif\x00\x00":
            return tiff_orientation(p[6:])   # first Exif APP1 only
    return None


def png_orientation(chunks):
    for t, b, _ in chunks:
        if t == b"eXIf":
            return tiff_orientation(b[6:] if b[:6] == b"Exif\x00\x00" else b)
    return None


def imagemagick_raw_exif_orientation(chunks):
    """Informational only (not used in the TSV): 'Raw profile type exif' tEXt."""
    for t, b, _ in chunks:
        if t == b"tEXt" and b.startswith(b"Raw profile type exif\x00"):
            txt = b.split(b"\x00", 1)[1].decode("latin-1").split("\n")
            hexdata = "".join(l.strip() for l in txt[3:])
            blob = bytes.fromhex(hexdata)
            if blob[:6] == b"Exif\x00\x00":
                blob = blob[6:]
            return tiff_orientation(blob)
    return None


# ----------------------------------------------------------------------------
# JPEG: djpeg path, plus lossless CMYK/YCCK plane extraction
# ----------------------------------------------------------------------------

def jpeg_frame(segs):
    for m, p, _ in segs:
        if m in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            prec, h, w, nc = struct.unpack(">BHHB", p[:6])
            comps = [(p[6 + 3 * i], p[7 + 3 * i] >> 4, p[7 + 3 * i] & 15, p[8 + 3 * i])
                     for i in range(nc)]
            return dict(sof=m, precision=prec, width=w, height=h, comps=comps)
    raise ValueError("no SOF")


def adobe_transform(segs):
    for m, p, _ in segs:
        if m == 0xEE and p[:5] == b"Adobe" and len(p) >= 12:
            return p[11]
    return None


class BitReader:
    def __init__(self, data, pos):
        self.d, self.pos, self.acc, self.n = data, pos, 0, 0

    def bit(self):
        if self.n == 0:
            b = self.d[self.pos]
            if b == 0xFF:
                nxt = self.d[self.pos + 1]
                if nxt != 0x00:
                    raise ValueError("unexpected marker FF%02X in entropy data" % nxt)
                self.pos += 2
            else:
                self.pos += 1
            self.acc, self.n = b, 8
        self.n -= 1
        return (self.acc >> self.n) & 1

    def bits(self, k):
        v = 0
        for _ in range(k):
            v = (v << 1) | self.bit()
        return v

    def restart(self, expected):
        self.n = 0
        while self.d[self.pos] == 0xFF and self.d[self.pos + 1] == 0xFF:
            self.pos += 1
        if self.d[self.pos] != 0xFF or self.d[self.pos + 1] != 0xD0 + expected:
            raise ValueError("missing RST%d" % expected)
        self.pos += 2


def huff_table(p):
    counts = p[:16]
    vals = p[16:16 + sum(counts)]
    dec, enc, code, k = {}, {}, 0, 0
    for length in range(1, 17):
        for _ in range(counts[length - 1]):
            dec[(length, code)] = vals[k]
            enc[vals[k]] = (length, code)
            code += 1
            k += 1
        code <<= 1
    return dec, enc


def decode_huff(br, dec):
    code = 0
    for length in range(1, 17):
        code = (code << 1) | br.bit()
        if (length, code) in dec:
            return dec[(length, code)]
    raise ValueError("bad Huffman code")


def extend(v, s):
    return v - (1 << s) + 1 if s and v < (1 << (s - 1)) else v


def baseline_coefficients(data, segs, frame):
    """Huffman-decode a baseline (SOF0/SOF1 Huffman, single interleaved scan) JPEG
    whose components are all 1x1 sampled. Returns {comp_id: [blocks][64] zigzag}
    plus the scan's table selectors and the restart interval."""
    if frame["sof"] not in (0xC0, 0xC1) or frame["precision"] != 8:
        raise ValueError("only 8-bit sequential Huffman JPEGs supported here")
    if any(hs != 1 or vs != 1 for _, hs, vs, _ in frame["comps"]):
        raise ValueError("only 1x1-sampled components supported here")
    tables, ri = {}, 0
    for m, p, _ in segs:
        if m == 0xC4:
            q = 0
            while q < len(p):
                tc_th = p[q]
                n = sum(p[q + 1:q + 17])
                tables[(tc_th >> 4, tc_th & 15)] = huff_table(p[q + 1:q + 17 + n])
                q += 17 + n
        elif m == 0xDD:
            ri = struct.unpack(">H", p[:2])[0]
    m, sos, sospos = segs[-1]
    assert m == 0xDA
    ns = sos[0]
    sel = [(sos[1 + 2 * i], sos[2 + 2 * i] >> 4, sos[2 + 2 * i] & 15) for i in range(ns)]
    if ns != len(frame["comps"]) or tuple(sos[1 + 2 * ns:4 + 2 * ns]) != (0, 63, 0):
        raise ValueError("expected one full interleaved baseline scan")
    nblocks = ((frame["width"] + 7) // 8) * ((frame["height"] + 7) // 8)
    br = BitReader(data, sospos + 2 + struct.unpack(">H", data[sospos + 2:sospos + 4])[0])
    coefs = {cid: [] for cid, _, _ in sel}
    pred = {cid: 0 for cid, _, _ in sel}
    rst = 0
    for mcu in range(nblocks):
        if ri and mcu and mcu % ri == 0:
            br.restart(rst)
            rst = (rst + 1) & 7
            pred = {cid: 0 for cid in pred}
        for cid, td, ta in sel:
            blk = [0] * 64
            s = decode_huff(br, tables[(0, td)][0])
            pred[cid] += extend(br.bits(s), s)
            blk[0] = pred[cid]
            k = 1
            while k < 64:
                rs = decode_huff(br, tables[(1, ta)][0])
                r, s = rs >> 4, rs & 15
                if s == 0:
                    if r == 15:
                        k += 16
                        continue
                    break
                k += r
                blk[k] = extend(br.bits(s), s)
                k += 1
            coefs[cid].append(blk)
    return coefs, sel, tables, ri


class BitWriter:
    def __init__(self):
        self.out, self.acc, self.n = bytearray(), 0, 0

    def put(self, v, k):
        for i in range(k - 1, -1, -1):
            self.acc = (self.acc << 1) | ((v >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)
                self.acc, self.n = 0, 0

    def flush(self):
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)   # pad with 1-bits


def _magnitude(v):
    s = abs(v).bit_length()
    return s, (v if v >= 0 else v + (1 << s) - 1)


def build_jpeg(segs, frame, coefs, sel, tables, ri, comp_ids):
    """Re-encode the given components' coefficients, unchanged, as a new JPEG
    (same quantisation and Huffman tables, same restart interval)."""
    out = bytearray(b"\xff\xd8")
    # JFIF APP0: tells libjpeg "1 comp = grayscale, 3 comps = YCbCr"
    out += b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    for m, p, _ in segs:
        if m in (0xDB, 0xC4):
            out += bytes([0xFF, m]) + struct.pack(">H", len(p) + 2) + p
    if ri:
        out += b"\xff\xdd" + struct.pack(">HH", 4, ri)
    comps = [c for c in frame["comps"] if c[0] in comp_ids]
    sof = struct.pack(">BHHB", 8, frame["height"], frame["width"], len(comps))
    for cid, hs, vs, tq in comps:
        sof += bytes([cid, (hs << 4) | vs, tq])
    out += bytes([0xFF, frame["sof"]]) + struct.pack(">H", len(sof) + 2) + sof
    ssel = [s for s in sel if s[0] in comp_ids]
    sos = bytes([len(ssel)]) + b"".join(bytes([c, (td << 4) | ta]) for c, td, ta in ssel) + b"\x00\x3f\x00"
    out += b"\xff\xda" + struct.pack(">H", len(sos) + 2) + sos
    bw = BitWriter()
    pred = {c: 0 for c, _, _ in ssel}
    nblocks = len(coefs[ssel[0][0]])
    rst = 0
    for mcu in range(nblocks):
        if ri and mcu and mcu % ri == 0:
            bw.flush()
            bw.out += bytes([0xFF, 0xD0 + rst])
            rst = (rst + 1) & 7
            pred = {c: 0 for c in pred}
        for cid, td, ta in ssel:
            blk = coefs[cid][mcu]
            dc_enc, ac_enc = tables[(0, td)][1], tables[(1, ta)][1]
            s, v = _magnitude(blk[0] - pred[cid])
            pred[cid] = blk[0]
            bw.put(dc_enc[s][1], dc_enc[s][0])
            bw.put(v, s)
            run_ = 0
            last = max([k for k in range(1, 64) if blk[k]], default=0)
            for k in range(1, last + 1):
                if blk[k] == 0:
                    run_ += 1
                    continue
                while run_ > 15:
                    bw.put(ac_enc[0xF0][1], ac_enc[0xF0][0])
                    run_ -= 16
                s, v = _magnitude(blk[k])
                sym = (run_ << 4) | s
                bw.put(ac_enc[sym][1], ac_enc[sym][0])
                bw.put(v, s)
                run_ = 0
            if last < 63:
                bw.put(ac_enc[0x00][1], ac_enc[0x00][0])
    bw.flush()
    out += bw.out + b"\xff\xd9"
    return bytes(out)


def cmyk_as_stored(data, segs, frame):
    """CMYK samples as libjpeg outputs them for out_color_space = JCS_CMYK."""
    transform = adobe_transform(segs)
    coefs, sel, tables, ri = baseline_coefficients(data, segs, frame)
    ids = [c[0] for c in frame["comps"]]
    # losslessness check: re-encoding all components must reproduce the
    # original entropy-coded scan byte for byte
    def scan_bytes(b):
        _, p, pos = jpeg_segments(b)[-1]
        return b[pos + 4 + len(p):b.rindex(b"\xff\xd9")]
    if scan_bytes(build_jpeg(segs, frame, coefs, sel, tables, ri, ids)) != scan_bytes(data):
        raise ValueError("coefficient transcoding is not lossless")
    k_jpeg = build_jpeg(segs, frame, coefs, sel, tables, ri, [ids[3]])
    k_out, _ = run(["djpeg", "-pnm"], k_jpeg)
    kplane, mv = parse_netpbm(k_out)
    assert mv == 255 and kplane.shape[2] == 1
    first3 = build_jpeg(segs, frame, coefs, sel, tables, ri, ids[:3])
    if transform == 2:
        # YCCK: libjpeg's ycck_cmyk_convert gives C,M,Y = 255 - (YCbCr->RGB)
        rgb_out, _ = run(["djpeg", "-pnm", "-rgb"], first3)
        rgb, mv = parse_netpbm(rgb_out)
        assert mv == 255 and rgb.shape[2] == 3
        cmy = 255 - rgb
    elif transform in (0, None):
        # plain CMYK: each component is its own plane, no colour transform
        planes = []
        for cid in ids[:3]:
            o, _ = run(["djpeg", "-pnm"], build_jpeg(segs, frame, coefs, sel, tables, ri, [cid]))
            planes.append(parse_netpbm(o)[0])
        cmy = np.dstack(planes)
    else:
        raise ValueError("unexpected Adobe transform %r for 4 components" % transform)
    cmyk = np.dstack([cmy, kplane]).astype(np.uint8)
    # verification: djpeg's own PNM writer converts CMYK->RGB with
    # r = (JSAMPLE)(c*k/255.0 + 0.5); it must agree with our planes exactly.
    ref, _ = run(["djpeg", "-pnm"], data)
    ref, _mv = parse_netpbm(ref)
    c = cmyk.astype(np.float64)
    predicted = np.floor(c[..., :3] * c[..., 3:4] / 255.0 + 0.5).astype(np.uint32)
    if not np.array_equal(predicted, ref):
        raise ValueError("CMYK planes do not reproduce djpeg's CMYK->RGB output (%d diffs)"
                         % int(np.sum(predicted != ref)))
    return np.ascontiguousarray(cmyk), transform


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------

def tool_versions():
    p = subprocess.run(["pngtopam", "-version"], capture_output=True, text=True)
    net = [l.split("pngtopam: ", 1)[-1] for l in (p.stdout + p.stderr).splitlines()
           if "Version" in l or "Built" in l]
    d = subprocess.run(["djpeg", "-version"], capture_output=True, text=True)
    dj = (d.stdout + d.stderr).strip().splitlines()[0]
    q = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n",
                        "netpbm", "libpng16-16", "libjpeg-turbo-progs", "libjpeg62-turbo"],
                       capture_output=True, text=True)
    return net, dj, q.stdout.strip().splitlines()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(here, "..", "fixtures", "images"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--cmyk-output", choices=("cmyk", "rgb"), default="rgb",
                    help="4-component JPEGs: 'cmyk' = 4 channels as stored; "
                         "'rgb' (default, what vision's decoder gives) = 3 channels, djpeg -pnm's r=round(c*k/255) conversion "
                         "(only for Adobe-marked, i.e. inverted, CMYK)")
    args = ap.parse_args()
    root = os.path.normpath(args.root)
    out_path = args.out or os.path.join(root, "expected-pixels.tsv")

    rows, notes, decoded, sbit_files = [], [], {}, []
    for rel in collect(root):
        path = os.path.join(root, rel)
        data = open(path, "rb").read()
        if rel.endswith(".png"):
            chunks = png_chunks(data)
            info = png_info(chunks)
            arr, mv, err, fixed_alpha, sbit_noop = png_via_pngtopam(data, chunks, info)
            if sbit_noop is not None:
                sbit_files.append((rel, sbit_noop))
            if fixed_alpha:
                notes.append("%s: pngtopam ignored the RGB tRNS colour key (alpha all opaque); "
                             "alpha set to 0 where pngtopam's RGB equals the key" % rel)
            mine = png_python_decode(data, chunks, info)
            if mine.shape != arr.shape or not np.array_equal(mine, arr):
                diff = "shape" if mine.shape != arr.shape else int(np.sum(mine != arr))
                raise SystemExit("%s: pngtopam and the Python decoder disagree (%s)" % (rel, diff))
            orient = png_orientation(chunks)
            im = imagemagick_raw_exif_orientation(chunks)
            if im is not None:
                notes.append("%s: orientation %d is present only in ImageMagick's "
                             "'Raw profile type exif' tEXt chunk (not an eXIf chunk); "
                             "column says 1" % (rel, im))
            digest = hashlib.sha256(arr.tobytes()).hexdigest()
            h, w, c = arr.shape
        else:
            segs = jpeg_segments(data)
            frame = jpeg_frame(segs)
            orient = jpeg_orientation(segs)
            if any(m == 0xE1 and p[:6] == b"Exif\x00\x00" for m, p, _ in segs) and orient is None:
                notes.append("%s: Exif APP1 present but no valid orientation (recorded as 1)" % rel)
            if len(frame["comps"]) == 4:
                arr, transform = cmyk_as_stored(data, segs, frame)
                if args.cmyk_output == "rgb":
                    if transform is None:
                        raise SystemExit("%s: --cmyk-output rgb needs an Adobe marker" % rel)
                    c = arr.astype(np.uint32)
                    arr = np.ascontiguousarray(((c[..., :3] * c[..., 3:4] + 127) // 255).astype(np.uint8))
                    notes.append("%s: --cmyk-output rgb: 3 channels = djpeg -pnm output "
                                 "(r = round(c*k/255) on the stored, Adobe-inverted CMYK)" % rel)
                notes.append("%s: 4-component JPEG (Adobe transform %s) -> CMYK as libjpeg "
                             "outputs JCS_CMYK (Adobe-inverted values, not un-inverted); "
                             "extracted by lossless transcoding (re-encoding all 4 components "
                             "reproduces the original scan byte for byte), verified against "
                             "djpeg's CMYK->RGB output" % (rel, transform))
            else:
                out, err = run(["djpeg", "-pnm"], data, ok=(0, 2))
                arr, mv = parse_netpbm(out)
                assert mv == 255
                arr = np.ascontiguousarray(arr.astype(np.uint8))
                if err:
                    notes.append("%s: djpeg warning: %s" % (rel, err.replace("\n", " / ")))
            h, w, c = arr.shape
            assert (w, h) == (frame["width"], frame["height"])
            digest = hashlib.sha256(arr.tobytes()).hexdigest()
        decoded[rel] = arr
        rows.append((rel, w, h, c, digest, orient if orient is not None else 1))

    net, dj, pkgs = tool_versions()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    hdr = [
        "# expected-pixels.tsv -- reference decodes for the Swift decoder tests (\"as stored\" mode)",
        "# generated by scripts/make-decode-references.py on %s (UTC); do not edit by hand" % now,
        "# tools: pngtopam (%s); djpeg (%s); Python %s; numpy %s"
        % ("; ".join(net), dj, sys.version.split()[0], np.__version__),
        "# packages: " + "; ".join(pkgs),
        "#",
        "# PNG: `pngtopam -alphapam` (libpng) on the file with its sBIT chunk removed (guard: plain",
        "#   pngtopam applies sBIT, i.e. shifts samples to the significant bits; -alphapam does not, and",
        "#   removing sBIT changed the pngtopam output for %d of the %d files that have one). No -gamma:"
        % (sum(1 for _, same in sbit_files if not same), len(sbit_files)),
        "#   no gamma/ICC/cHRM conversion. Each PNG was also decoded by the script's own pure-Python",
        "#   decoder (zlib, unfiltering, Adam7, palette/tRNS); both agree on every sample of every file.",
        "#   16-bit -> 8-bit: floor(v/257 + 0.5) (NOT v>>8). 1/2/4-bit gray: v*255/(2^bits-1).",
        "#   Channels: gray 1, gray+alpha 2, RGB 3, RGBA 4, palette 3 (4 with tRNS),",
        "#   gray+tRNS 2, RGB+tRNS 4 (alpha 0 where the sample equals the tRNS key, else 255).",
        "# JPEG: `djpeg -pnm` defaults (ISLOW IDCT, fancy upsampling); grayscale 1 channel, colour 3.",
        "#   No EXIF orientation applied (pixels and width/height are as stored).",
        "#   4-component (CMYK/YCCK) JPEGs: 4 channels = libjpeg's JCS_CMYK output (Adobe-inverted",
        "#   values kept as stored). djpeg cannot write CMYK, so the script transcodes the file",
        "#   losslessly into YCbCr and K-only JPEGs, decodes those with djpeg, and checks the result",
        "#   against djpeg's own CMYK->RGB output (r = round(c*k/255)) of the original file.",
        "# exif_orientation: IFD0 tag 0x0112 from the first APP1 \"Exif\\0\\0\" segment (JPEG) or the",
        "#   eXIf chunk (PNG); 1 when absent, unparseable or out of range 1..8.",
        "#",
        "# columns: path (relative to fixtures/images) <TAB> width <TAB> height <TAB> channels <TAB>",
        "#   sha256 (hex) of the raw 8-bit samples, height x width x channels, row-major,",
        "#   channel-interleaved <TAB> exif_orientation",
        "#",
        "# not referenced:",
    ]
    hdr += ["#   %s: %s" % kv for kv in sorted(SKIPPED.items())]
    hdr += ["#   png/pillow/{broken,broken_data_stream,truncated_image,truncated_end_chunk,"
            "png_decompression_dos}.png: broken or decompression bomb (error cases)",
            "#   pngsuite/corrupt/*: must be rejected",
            "#", "# notes:"]
    hdr += ["#   " + n for n in notes]
    with open(out_path, "w") as f:
        f.write("\n".join(hdr) + "\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")

    counts = {}
    for r in rows:
        counts[r[3]] = counts.get(r[3], 0) + 1
    print("wrote %d lines to %s" % (len(rows), out_path))
    print("channels: " + ", ".join("%d -> %d files" % kv for kv in sorted(counts.items())))
    print("orientation != 1: " + ", ".join("%s=%d" % (r[0], r[5]) for r in rows if r[5] != 1))

    # explicit sanity checks
    v = "pngsuite/valid/"
    chk = []
    a = decoded[v + "basn0g01.png"]
    chk.append(("basn0g01 values only {0,255}", set(np.unique(a).tolist()) <= {0, 255}))
    chk.append(("basn6a16 has 4 channels", decoded[v + "basn6a16.png"].shape[2] == 4))
    chk.append(("tbbn3p08 (palette+tRNS) has 4 channels", decoded[v + "tbbn3p08.png"].shape[2] == 4))
    chk.append(("basn2c08 has 3 channels", decoded[v + "basn2c08.png"].shape[2] == 3))
    data = open(os.path.join(root, v + "basn2c16.png"), "rb").read()
    ch = png_chunks(data)
    raw16 = zlib.decompress(b"".join(b for t, b, _ in ch if t == b"IDAT"))
    rows16, _ = _unfilter(raw16, 0, 32, 32 * 6, 6)
    s16 = _unpack(rows16, 32, 3, 16)
    rnd = ((2 * s16 + 257) // 514).astype(np.uint8)
    shf = (s16 >> 8).astype(np.uint8)
    nd = int(np.sum(rnd != shf))
    chk.append(("basn2c16: %d samples differ between round(v/257) and v>>8; reference uses round"
                % nd, nd > 0 and np.array_equal(decoded[v + "basn2c16.png"], rnd)
                and not np.array_equal(decoded[v + "basn2c16.png"], shf)))
    for name, ok in chk:
        print("check %-85s %s" % (name, "OK" if ok else "FAILED"))
    if not all(ok for _, ok in chk):
        sys.exit(1)


if __name__ == "__main__":
    main()
