"""Write a small, learnable synthetic dataset in this project's layout.

    python -m {{ package_name }}.demo_data data

Writes ``data/images/<split>/<index>.png`` and a COCO instances file per split,
``data/annotations/<split>.json``; the category ids are 1, 3 and 7, not 1..3, as in a dataset
whose categories were pruned.

Each image holds one to three circles, squares and triangles of random colours, sizes and
positions on a noisy background, and every tenth image none; the boxes come from the shapes'
masks, and each annotation has the shape's outline as a polygon ``segmentation``.
{%- if task == 'instance_segmentation' %}
A shape may be drawn over earlier ones, hiding at most a third of each: a partly hidden shape's
segmentation is several polygons, the pieces left visible, and its box is theirs.
{%- else %}
Shapes never overlap, nor do their boxes.
{%- endif %}
The same seed always writes the same images, so the demo and the tests need no download.
"""

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

SPLIT_SIZES = {"train": 120, "val": 40, "test": 40}
IMAGE_SIZE = 128
CATEGORY_IDS = (1, 3, 7)
{%- if task == 'instance_segmentation' %}
# Shapes drawn over others: what masks tell apart and boxes cannot.
OVERLAP = True
{%- else %}
OVERLAP = False  # shapes and their boxes apart
{%- endif %}

{% include 'partials/shapes.py' %}

{% include 'partials/scene.py' %}


def polygon_area(polygon: list[float]) -> float:
    """The area inside a polygon ``[x1, y1, x2, y2, ...]`` (the shoelace formula)."""
    xs, ys = polygon[0::2], polygon[1::2]
    doubled = sum(
        x * y_next - x_next * y
        for x, y, x_next, y_next in zip(xs, ys, xs[1:] + xs[:1], ys[1:] + ys[:1], strict=True)
    )
    return abs(doubled) / 2


def write_split(
    root: Path, split: str, count: int, image_size: int, rng: np.random.Generator
) -> None:
    """The images of one split and its COCO instances file."""
    (root / "images" / split).mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for index in range(count):
        num_shapes = 0 if index % 10 == 9 else int(rng.integers(1, 4))
        image, boxes, classes, outlines = draw_scene(image_size, num_shapes, rng, OVERLAP)
        file_name = f"{split}/{index:04d}.png"
        write_png(image, root / "images" / file_name)
        images.append(
            {"id": index, "file_name": file_name, "width": image_size, "height": image_size}
        )
        xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1).tolist()
        for box, shape, segmentation in zip(xywh, classes, outlines, strict=True):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": index,
                    "category_id": CATEGORY_IDS[shape],
                    "bbox": box,
                    "segmentation": segmentation,
                    "area": round(sum(map(polygon_area, segmentation)), 2),
                    "iscrowd": 0,
                }
            )
    categories = [
        {"id": category_id, "name": name, "supercategory": "shape"}
        for category_id, name in zip(CATEGORY_IDS, CLASSES, strict=True)
    ]
    coco = {"images": images, "annotations": annotations, "categories": categories}
    (root / "annotations").mkdir(exist_ok=True)
    (root / "annotations" / f"{split}.json").write_text(json.dumps(coco))


{% include 'partials/demo_cli.py' %}