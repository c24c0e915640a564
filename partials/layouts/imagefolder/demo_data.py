"""Write a small, learnable synthetic dataset in this project's layout.

    python -m {{ package_name }}.demo_data data

Writes ``data/<split>/<class>/<index>.png``: each image is a circle, square or triangle of a
random colour, size and position on a noisy background, and the shape is the class. The same
seed always writes the same images, so the demo and the tests need no download.
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

SPLIT_SIZES = {"train": 600, "val": 150, "test": 150}
IMAGE_SIZE = 64

{% include 'partials/shapes.py' %}

def draw_shape(shape: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """One shape on a noisy background; uint8 RGB [size, size, 3]."""
    radius = rng.uniform(0.2, 0.35) * size
    centre = rng.uniform(radius, size - radius, 2).tolist()
    upright = rng.random() < 0.5
    mask = shape_mask(shape, size, centre, radius, upright)
    return to_uint8(paint(noisy_background(size, rng), mask, rng))


def write_split(
    root: Path, split: str, count: int, image_size: int, rng: np.random.Generator
) -> None:
    """The images of one split, one folder per class, the classes taking turns."""
    for shape in CLASSES:
        (root / split / shape).mkdir(parents=True, exist_ok=True)
    for index in range(count):
        shape = CLASSES[index % len(CLASSES)]
        image = draw_shape(shape, image_size, rng)
        write_png(image, root / split / shape / f"{index:04d}.png")


{% include 'partials/demo_cli.py' %}