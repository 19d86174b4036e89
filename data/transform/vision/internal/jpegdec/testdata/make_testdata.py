#!/usr/bin/env python3
"""Make the jpegdec test JPEGs and libjpeg-turbo (Pillow) references.

Run from this directory with a Pillow built on libjpeg-turbo (the bench peers venv has one):
    ../../../../../../bench/peers/.venv/bin/python make_testdata.py
The source is the vision package's large.png (300x200, photo-like), cropped to odd sizes (files under 50 KB) so
that partial MCUs and edge replication are exercised. References are PNGs of what Pillow
decodes: <name>_pil.png at full size and <name>_pil_1_<d>.png with Image.draft (libjpeg's
DCT scaling by 1/d).
"""
from PIL import Image

src = Image.open("../../../testdata/large.png").convert("RGB")
photo = src.crop((0, 0, 157, 103))
small = src.crop((40, 30, 40 + 117, 30 + 75))

files = {
    "b420_q90.jpg": (photo, dict(quality=90, subsampling=2)),
    "b422_q75.jpg": (photo, dict(quality=75, subsampling=1)),
    "b444_q95.jpg": (small, dict(quality=95, subsampling=0)),
    "gray_q85.jpg": (photo.convert("L"), dict(quality=85)),
    "prog420_q90.jpg": (photo, dict(quality=90, subsampling=2, progressive=True)),
    "prog444_q80.jpg": (small, dict(quality=80, subsampling=0, progressive=True)),
    "proggray_q90.jpg": (small.convert("L"), dict(quality=90, progressive=True)),
    "rst420_q85.jpg": (small, dict(quality=85, subsampling=2, restart_marker_blocks=3)),
    "progrst422_q85.jpg": (small, dict(quality=85, subsampling=1, progressive=True, restart_marker_rows=1)),
    "opt420_q50.jpg": (small, dict(quality=50, subsampling=2, optimize=True)),
    "tiny_1x1.jpg": (src.crop((10, 10, 11, 11)), dict(quality=90, subsampling=2)),
    "tiny_3x2.jpg": (src.crop((10, 10, 13, 12)), dict(quality=90, subsampling=2)),
    "tiny_17x9.jpg": (src.crop((100, 50, 117, 59)), dict(quality=90, subsampling=2)),
}
for name, (im, opts) in files.items():
    im.save(name, "JPEG", **opts)
    ref = Image.open(name)
    ref.load()
    ref.save(name[:-4] + "_pil.png")

for name in ["b420_q90.jpg", "b422_q75.jpg", "prog420_q90.jpg", "b444_q95.jpg", "gray_q85.jpg"]:
    for d in (2, 4, 8):
        im = Image.open(name)
        w, h = im.size
        im.draft(im.mode, (w // d, h // d))  # Pillow picks scale = size // requested
        assert im.size == ((w + d - 1) // d, (h + d - 1) // d), (name, d, im.size)
        im.load()
        im.save(name[:-4] + "_pil_1_%d.png" % d)

# Colour spaces beyond YCbCr: CMYK (Pillow writes Adobe transform 0, inverted) and RGB-coded
# (keep_rgb: Adobe transform 0, three components). References are what PIL's
# convert("RGB") gives, which for CMYK is its own cmyk2rgb.
colour = {
    "cmyk_q90.jpg": (photo.convert("CMYK"), dict(quality=90)),
    "rgb_q90.jpg": (small, dict(quality=90, keep_rgb=True)),
}
for name, (im, opts) in colour.items():
    im.save(name, "JPEG", **opts)
    Image.open(name).convert("RGB").save(name[:-4] + "_pil.png")
    for d in (2, 4, 8):
        im = Image.open(name)
        w, h = im.size
        im.draft(None, (w // d, h // d))
        assert im.size == ((w + d - 1) // d, (h + d - 1) // d), (name, d, im.size)
        im.convert("RGB").save(name[:-4] + "_pil_1_%d.png" % d)

# Corrupt scans that libjpeg recovers from with warnings PIL ignores (a restart marker
# dropped, two swapped, junk with a stray marker before one): the references are its
# recovered pixels. rst420_q85.jpg has a restart marker every 3 MCUs.
good = open("rst420_q85.jpg", "rb").read()
sos = good.index(b"\xff\xda")
rst = [i for i in range(sos, len(good) - 1) if good[i] == 0xFF and 0xD0 <= good[i + 1] <= 0xD7]
bad = {
    "bad_rst_dropped.jpg": good[: rst[3]] + good[rst[3] + 2 :],
    "bad_rst_swapped.jpg": good[: rst[5]] + good[rst[6] : rst[6] + 2] + good[rst[5] + 2 : rst[6]]
    + good[rst[5] : rst[5] + 2] + good[rst[6] + 2 :],
    "bad_rst_junk.jpg": good[: rst[8]] + bytes([0x12, 0x34, 0xFF, 0x05, 0x56]) + good[rst[8] :],
}
for name, data in bad.items():
    open(name, "wb").write(data)
    ref = Image.open(name)
    ref.load()
    ref.save(name[:-4] + "_pil.png")

# Sampling PIL cannot write but decodes, made with libjpeg-turbo's cjpeg and jpegtran
# (Debian libjpeg-turbo-progs): 4:4:0 (what a lossless 90-degree rotation of 4:2:2 gives,
# fancy-upsampled vertically) and 4:1:1 (repeated samples). References as above.
import os
import subprocess

photo.save("src.ppm")
sampled = {
    "s440_q90.jpg": ["cjpeg", "-quality", "90", "-sample", "1x2,1x1,1x1", "src.ppm"],
    "s411_q90.jpg": ["cjpeg", "-quality", "90", "-sample", "4x1,1x1,1x1", "src.ppm"],
    "rot422_q75.jpg": ["jpegtran", "-rotate", "90", "b422_q75.jpg"],
}
for name, cmd in sampled.items():
    with open(name, "wb") as f:
        subprocess.run(cmd, stdout=f, check=True)
    Image.open(name).convert("RGB").save(name[:-4] + "_pil.png")
    for d in (2, 4, 8):
        im = Image.open(name)
        w, h = im.size
        im.draft(None, (w // d, h // d))
        assert im.size == ((w + d - 1) // d, (h + d - 1) // d), (name, d, im.size)
        im.convert("RGB").save(name[:-4] + "_pil_1_%d.png" % d)
os.remove("src.ppm")
