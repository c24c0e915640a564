"""Write a small, learnable synthetic dataset in this project's layout.

    python -m {{ package_name }}.demo_data data

Writes ``data/<split>/<index>.png`` and ``data/<split>.csv``, which lists them in its ``image``
column.
{%- if task == 'classification' %}

Each image is a circle, square or triangle of a random colour, size and position on a noisy
background, and the ``label`` column names the shape.
{%- elif task == 'multilabel' %}

Each image holds up to three different shapes (circle, square, triangle) of random colours,
sizes and positions on a noisy background, and the ``labels`` column names them, separated by
spaces (empty when there are none).
{%- else %}

Each image holds one to four shapes (circles, squares, triangles) of random colours, sizes and
positions on a noisy background; the ``count`` column holds their number and ``area`` the share
of the image they cover.
{%- endif %}

The same seed always writes the same images, so the demo and the tests need no download.
"""

import argparse
import csv
from pathlib import Path

import numpy as np
from PIL import Image

SPLIT_SIZES = {"train": 600, "val": 150, "test": 150}
IMAGE_SIZE = 64
{%- if task == 'classification' %}
HEADER = ("image", "label")
{%- elif task == 'multilabel' %}
HEADER = ("image", "labels")
{%- else %}
HEADER = ("image", "count", "area")
MAX_SHAPES = 4
{%- endif %}

{% include 'partials/shapes.py' %}
{%- if task == 'classification' %}

def draw_example(index: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Image ``index``: one shape on a noisy background (the classes take turns), and its row."""
    shape = CLASSES[index % len(CLASSES)]
    radius = rng.uniform(0.2, 0.35) * size
    centre = rng.uniform(radius, size - radius, 2).tolist()
    upright = rng.random() < 0.5
    mask = shape_mask(shape, size, centre, radius, upright)
    return to_uint8(paint(noisy_background(size, rng), mask, rng)), [shape]
{%- else %}

def place(
    count: int, size: int, rng: np.random.Generator, min_radius: float, max_radius: float
) -> list[tuple[list[float], float]]:
    """Centres and radii (as shares of ``size``) of ``count`` shapes that do not overlap."""
    placed: list[tuple[list[float], float]] = []
    while len(placed) < count:
        radius = rng.uniform(min_radius, max_radius) * size
        centre = rng.uniform(radius, size - radius, 2).tolist()
        # A square's corners reach 1.13 radii from its centre.
        if all(
            (centre[0] - x) ** 2 + (centre[1] - y) ** 2 > (1.2 * (radius + r)) ** 2
            for (x, y), r in placed
        ):
            placed.append((centre, radius))
    return placed
{%- endif %}
{%- if task == 'multilabel' %}


def draw_example(index: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Image ``index``: 0 to 3 different shapes (the counts take turns), and its row."""
    count = index % (len(CLASSES) + 1)
    chosen = sorted(rng.permutation(len(CLASSES))[:count].tolist())
    shapes = [CLASSES[i] for i in chosen]
    places = place(count, size, rng, 0.12, 0.2)
    image = noisy_background(size, rng)
    for shape, (centre, radius) in zip(shapes, places, strict=True):
        upright = rng.random() < 0.5
        image = paint(image, shape_mask(shape, size, centre, radius, upright), rng)
    return to_uint8(image), [" ".join(shapes)]
{%- elif task == 'regression' %}


def draw_example(index: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Image ``index``: 1 to ``MAX_SHAPES`` shapes (the counts take turns), and its row."""
    count = 1 + index % MAX_SHAPES
    image = noisy_background(size, rng)
    covered = np.zeros((size, size), dtype=bool)
    for centre, radius in place(count, size, rng, 0.08, 0.2):
        shape = CLASSES[int(rng.integers(len(CLASSES)))]
        upright = rng.random() < 0.5
        mask = shape_mask(shape, size, centre, radius, upright)
        image = paint(image, mask, rng)
        covered |= mask
    return to_uint8(image), [count, f"{covered.mean():.4f}"]
{%- endif %}


def write_split(
    root: Path, split: str, count: int, image_size: int, rng: np.random.Generator
) -> None:
    """The images of one split and the CSV file that lists them."""
    (root / split).mkdir(parents=True, exist_ok=True)
    with (root / f"{split}.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for index in range(count):
            image, row = draw_example(index, image_size, rng)
            name = f"{split}/{index:04d}.png"
            write_png(image, root / name)
            writer.writerow([name, *row])


{% include 'partials/demo_cli.py' %}