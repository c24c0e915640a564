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

import torch
import torch.nn.functional as F
from PIL import Image

SPLIT_SIZES = {"train": 256, "val": 64, "test": 64}
IMAGE_SIZE = 64

{% include 'partials/shapes.py' %}

CLASS_NAMES = ("background", *CLASSES)
IGNORE_INDEX = 255
MAX_SHAPES = 3


def outline(mask: torch.Tensor) -> torch.Tensor:
    """The pixels of a bool mask [H, W] that touch a pixel outside it."""
    outside = (~mask).float()[None, None]
    return mask & (F.max_pool2d(outside, kernel_size=3, stride=1, padding=1)[0, 0] > 0)


def draw_scene(size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Shapes on a noisy background: uint8 RGB image [3, size, size] and mask [1, size, size].

    Each shape gets its own quadrant of the image, so shapes never overlap.
    """
    image = noisy_background(size, generator)
    mask = torch.zeros(size, size, dtype=torch.uint8)
    count = int(torch.randint(1, MAX_SHAPES + 1, (1,), generator=generator))
    half = size / 2
    for quadrant in torch.randperm(4, generator=generator)[:count].tolist():
        class_index = int(torch.randint(len(CLASSES), (1,), generator=generator))
        radius = float(uniform(generator, 0.1, 0.22)) * size
        corner = torch.tensor([quadrant % 2, quadrant // 2]) * half
        centre = (corner + uniform(generator, radius, half - radius, 2)).tolist()
        upright = float(uniform(generator, 0.0, 1.0)) < 0.5
        shape = shape_mask(CLASSES[class_index], size, centre, radius, upright)
        image = paint(image, shape, generator)
        mask[shape] = class_index + 1
        mask[outline(shape)] = IGNORE_INDEX
    return to_uint8(image), mask[None]


def write_split(
    root: Path, split: str, count: int, image_size: int, generator: torch.Generator
) -> None:
    """The images of one split and their masks, and classes.txt naming the mask values."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "classes.txt").write_text("".join(f"{name}\n" for name in CLASS_NAMES))
    (root / split / "images").mkdir(parents=True, exist_ok=True)
    (root / split / "masks").mkdir(parents=True, exist_ok=True)
    for index in range(count):
        image, mask = draw_scene(image_size, generator)
        write_png(image, root / split / "images" / f"{index:04d}.png")
        write_png(mask, root / split / "masks" / f"{index:04d}.png")


{% include 'partials/demo_cli.py' %}