"""Write a small, learnable synthetic dataset in this project's layout.

    python -m {{ package_name }}.demo_data data

Writes ``data/<split>/images/<index>.png``, YOLO label files ``data/<split>/labels/<index>.txt``
and ``data/data.yaml`` with the class names; images with no objects get no label file.

Each image holds one to three circles, squares and triangles of random colours, sizes and
positions on a noisy background, and every tenth image none; the boxes come from the shapes'
masks. The same seed always writes the same images, so the demo and the tests need no download.
"""

import argparse
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

SPLIT_SIZES = {"train": 120, "val": 40, "test": 40}
IMAGE_SIZE = 128

{% include 'partials/shapes.py' %}

{% include 'partials/scene.py' %}


def write_split(
    root: Path, split: str, count: int, image_size: int, rng: np.random.Generator
) -> None:
    """The images of one split, a label file for each image with objects, and data.yaml."""
    for folder in ("images", "labels"):
        (root / split / folder).mkdir(parents=True, exist_ok=True)
    for index in range(count):
        num_shapes = 0 if index % 10 == 9 else int(rng.integers(1, 4))
        image, boxes, classes, _ = draw_scene(image_size, num_shapes, rng)
        write_png(image, root / split / "images" / f"{index:04d}.png")
        if classes:
            centres, sizes = (boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2]
            normalised = np.concatenate([centres, sizes], axis=1) / image_size
            lines = [
                f"{shape} " + " ".join(f"{value:.6f}" for value in box)
                for shape, box in zip(classes, normalised.tolist(), strict=True)
            ]
            (root / split / "labels" / f"{index:04d}.txt").write_text("\n".join(lines) + "\n")
    data_yaml = {name: f"{name}/images" for name in SPLIT_SIZES}
    data_yaml["names"] = dict(enumerate(CLASSES))
    (root / "data.yaml").write_text(yaml.safe_dump(data_yaml, sort_keys=False))


{% include 'partials/demo_cli.py' %}