#!/usr/bin/env python3
"""Make the test images and Pillow references for the vision package tests.

Run from this directory: python3 make_refs.py   (needs pillow and numpy)
Every output is a PNG. Inputs are photo-like (smooth gradients, blobs, edges and noise)
and generated from a fixed seed, so rerunning rewrites identical files.
"""
import math

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps


def photo_like(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        img[..., c] = 60 + 120 * (x / w) * (c + 1) / 3 + 50 * np.sin(x / (7 + 3 * c) + y / (11 + c))
        for _ in range(4):
            cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(5, min(w, h) / 3)
            img[..., c] += rng.uniform(-80, 80) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
    img[h // 3 : h // 2, w // 4 : w // 2, :] = [230, 40, 30]  # a hard-edged block
    img += rng.normal(0, 12, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def save(im, name):
    im.save(name, optimize=False)


small = photo_like(97, 131, 1)  # W=97, H=131
large = photo_like(300, 200, 2)  # W=300, H=200
save(small, "small.png")
save(large, "large.png")
save(small.convert("L"), "small_L.png")

filters = {
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}
# resize_<src>_<w>x<h>_<filter>.png
cases = [
    ("small", small, (224, 224), "bilinear"),
    ("small", small, (64, 48), "bilinear"),
    ("small", small, (150, 200), "bilinear"),  # upsample
    ("small", small, (97, 40), "bilinear"),  # vertical only
    ("large", large, (224, 224), "bilinear"),
    ("large", large, (64, 48), "bilinear"),
    ("large", large, (64, 48), "bicubic"),
    ("large", large, (64, 48), "lanczos"),
    ("large", large, (64, 48), "nearest"),
    ("large", large, (64, 48), "box"),
    ("large", large, (64, 48), "hamming"),
    ("small", small, (150, 200), "bicubic"),  # upsample
    ("small_L", small.convert("L"), (64, 48), "bilinear"),
]
for name, im, size, f in cases:
    save(im.resize(size, filters[f]), f"resize_{name}_{size[0]}x{size[1]}_{f}.png")

save(large.convert("L"), "gray_large.png")
for r in (0.7, 2, 5):
    save(large.filter(ImageFilter.GaussianBlur(r)), f"blur_large_{r}.png")

save(small.convert("L").filter(ImageFilter.GaussianBlur(1.5)), "blur_small_L_1.5.png")

t = large.copy()
t.thumbnail((64, 64))
save(t, "thumb_large_64.png")
big = large.resize((1000, 750), Image.Resampling.BICUBIC)  # the Go test rebuilds it exactly
t = big.copy()
t.thumbnail((64, 64))  # reduces 7x first
save(t, "thumb_big_64.png")
save(small.reduce((3, 5)), "reduce_small_3x5.png")
save(large.reduce((7, 4)), "reduce_large_7x4.png")
t = small.copy()
t.thumbnail((40, 100))
save(t, "thumb_small_40x100.png")

# TrivialAugmentWide ops, called the way torchvision's functional_pil calls them on a PIL
# image (interpolation NEAREST, fill 0).
def affine(img, angle, translate, shear, center):
    w, h = img.size
    if center is None:
        center = [w * 0.5, h * 0.5]
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d, -b, 0.0, -c, a, 0.0]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return img.transform(img.size, Image.Transform.AFFINE, m, Image.Resampling.NEAREST, fillcolor=(0, 0, 0))


def posterize(img, bits):
    return ImageOps.posterize(img, bits)


ops = {
    "shearx_0.33": lambda im: affine(im, 0.0, [0, 0], [math.degrees(math.atan(0.33)), 0.0], [0, 0]),
    "sheary_-0.5": lambda im: affine(im, 0.0, [0, 0], [0.0, math.degrees(math.atan(-0.5))], [0, 0]),
    "translatex_-12.8": lambda im: affine(im, 0.0, [int(-12.8), 0], [0.0, 0.0], None),
    "translatey_20.3": lambda im: affine(im, 0.0, [0, int(20.3)], [0.0, 0.0], None),
    "rotate_31.5": lambda im: im.rotate(31.5, Image.Resampling.NEAREST, expand=False, fillcolor=(0, 0, 0)),
    "rotate_-90": lambda im: im.rotate(-90, Image.Resampling.NEAREST, expand=False, fillcolor=(0, 0, 0)),
    "brightness_0.33": lambda im: ImageEnhance.Brightness(im).enhance(1.33),
    "brightness_-0.66": lambda im: ImageEnhance.Brightness(im).enhance(1 - 0.66),
    "color_0.5": lambda im: ImageEnhance.Color(im).enhance(1.5),
    "color_-0.9": lambda im: ImageEnhance.Color(im).enhance(1 - 0.9),
    "contrast_0.7": lambda im: ImageEnhance.Contrast(im).enhance(1.7),
    "contrast_-0.3": lambda im: ImageEnhance.Contrast(im).enhance(1 - 0.3),
    "sharpness_0.9": lambda im: ImageEnhance.Sharpness(im).enhance(1.9),
    "sharpness_-0.5": lambda im: ImageEnhance.Sharpness(im).enhance(1 - 0.5),
    "posterize_3": lambda im: posterize(im, 3),
    "solarize_127.5": lambda im: ImageOps.solarize(im, 127.5),
    "autocontrast": lambda im: ImageOps.autocontrast(im),
    "equalize": lambda im: ImageOps.equalize(im),
}
for name, fn in ops.items():
    save(fn(small), f"op_small_{name}.png")
print("ok")

# Decoder inputs and PIL's decodes of them.
small.save("small.webp", lossless=True)
small.save("small.jpg", quality=90)
save(Image.open("small.jpg").convert("RGB"), "small_jpg_pil.png")
save(Image.open("small.jpg").convert("RGB").resize((64, 48), Image.Resampling.BILINEAR), "small_jpg_pil_64x48.png")
small.save("small_422.jpg", quality=90, subsampling=1)
save(Image.open("small_422.jpg").convert("RGB"), "small_422_jpg_pil.png")
tiny = small.crop((10, 10, 13, 15))  # 3 wide, 5 high: odd chroma edges
tiny.save("tiny.jpg", quality=95)
save(Image.open("tiny.jpg").convert("RGB"), "tiny_jpg_pil.png")
small.convert("CMYK").save("small_cmyk.jpg", quality=95)
save(Image.open("small_cmyk.jpg").convert("RGB"), "small_cmyk_jpg_pil.png")
small.convert("L").save("small_L.jpg", quality=90)
save(Image.open("small_L.jpg"), "small_L_jpg_pil.png")
pal = small.quantize(64)
save(pal, "small_P.png")
save(pal.convert("RGB"), "small_P_rgb.png")
rgba = small.copy()
rgba.putalpha(Image.linear_gradient("L").resize(small.size))
save(rgba, "small_RGBA.png")
print("decoder inputs ok")
