"""Write a small, learnable synthetic dataset in this project's layout.

    python -m {{ package_name }}.demo_data data

Writes ``data/<split>/images/<index>.png`` and its mask ``data/<split>/masks/<index>.png``. Each
image holds one to three circles, squares and triangles of random colour, size and position on
a noisy background; the mask gives each pixel's class (0 background, 1 circle, 2 square,
3 triangle) and marks the one-pixel outline of every shape 255, "don't care", as Pascal VOC
does. The same seed always writes the same images, so the demo and the tests need no download.
"""

import argparse
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

SPLIT_SIZES = {"train": 256, "val": 64, "test": 64}
IMAGE_SIZE = 64

{% include 'partials/shapes.py' %}

CLASS_NAMES = ("background", *CLASSES)
IGNORE_INDEX = 255
MAX_SHAPES = 3


def outline(mask: np.ndarray) -> np.ndarray:
    """The pixels of a bool mask [H, W] that touch a pixel outside it (beyond the image's edge
    does not count)."""
    neighbourhoods = sliding_window_view(np.pad(~mask, 1), (3, 3))
    return mask & neighbourhoods.any(axis=(2, 3))


def draw_scene(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shapes on a noisy background: uint8 RGB image [size, size, 3] and mask [size, size].

    Each shape gets its own quadrant of the image, so shapes never overlap.
    """
    image = noisy_background(size, rng)
    mask = np.zeros((size, size), dtype=np.uint8)
    count = int(rng.integers(1, MAX_SHAPES + 1))
    half = size / 2
    for quadrant in rng.permutation(4)[:count].tolist():
        class_index = int(rng.integers(len(CLASSES)))
        radius = rng.uniform(0.1, 0.22) * size
        corner = np.array([quadrant % 2, quadrant // 2]) * half
        centre = (corner + rng.uniform(radius, half - radius, 2)).tolist()
        upright = rng.random() < 0.5
        shape = shape_mask(CLASSES[class_index], size, centre, radius, upright)
        image = paint(image, shape, rng)
        mask[shape] = class_index + 1
        mask[outline(shape)] = IGNORE_INDEX
    return to_uint8(image), mask


def write_split(
    root: Path, split: str, count: int, image_size: int, rng: np.random.Generator
) -> None:
    """The images of one split and their masks, and classes.txt naming the mask values."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "classes.txt").write_text("".join(f"{name}\n" for name in CLASS_NAMES))
    (root / split / "images").mkdir(parents=True, exist_ok=True)
    (root / split / "masks").mkdir(parents=True, exist_ok=True)
    for index in range(count):
        image, mask = draw_scene(image_size, rng)
        write_png(image, root / split / "images" / f"{index:04d}.png")
        write_png(mask, root / split / "masks" / f"{index:04d}.png")


{% include 'partials/demo_cli.py' %}