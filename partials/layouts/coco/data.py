"""{{ task_summary }} data in COCO format: ``annotations/<split>.json`` + ``images/``.

Each annotation file is a COCO instances file: ``images`` (``id``, ``file_name`` relative to
``images/``), ``annotations`` (``image_id``, ``category_id``, ``bbox = [x, y, width, height]`` in
pixels) and ``categories`` (``id``, ``name``). The splits are ``train``, ``val`` and, optionally,
``test`` (``val`` stands in when it is missing). Category ids need not be contiguous: the model
sees labels 1..K in the order of the ids in ``train.json`` (0 is the background), and
predictions name the original ids.
{%- if task == 'instance_segmentation' %}

Each annotation's ``segmentation`` is its object's mask: polygons ``[[x1, y1, x2, y2, ...], ...]``
in pixels, drawn with Pillow, or a run-length encoding (RLE) ``{"size": [height, width],
"counts": ...}`` with the counts as a list or as COCO's compressed string; pycocotools is not
needed.
{%- endif %}
"""

import json
import math
from collections import defaultdict
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
{%- if task == 'instance_segmentation' %}
from PIL import Image, ImageDraw
{%- endif %}
from torch.utils.data import Dataset
from torchvision import tv_tensors
from torchvision.ops import box_convert

from {{ package_name }}.base import ImageDataModule, Target, collate_detections
from {{ package_name }}.images import read_rgb
from {{ package_name }}.transforms import (
    EvalTransform,
    TrainTransform,
    build_augmentation,
    to_float,
)


def read_coco(annotation_file: Path) -> dict:
    """The parsed annotation file, after checking it is JSON with COCO's top-level lists."""
    try:
        coco = json.loads(annotation_file.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{annotation_file} is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}."
        ) from None
    missing = [
        key for key in ("images", "categories") if not isinstance(coco, dict) or key not in coco
    ]
    if missing:
        raise ValueError(
            f"{annotation_file} has no {' or '.join(missing)} list; a COCO instances file has "
            "images, annotations and categories."
        )
    return coco


def unique_images(images: list[dict], annotation_file: Path) -> dict[int, dict]:
    """The images by id, after checking that no id or file is listed twice: either would give
    one image's boxes to another, or count an image twice."""
    by_id: dict[int, dict] = {}
    files: set[str] = set()
    for image in images:
        earlier = by_id.setdefault(image["id"], image)
        if earlier is not image:
            raise ValueError(
                f"{annotation_file}: images {earlier['file_name']} and {image['file_name']} share "
                f"the id {image['id']}; give each image its own id."
            )
        if image["file_name"] in files:
            raise ValueError(
                f"{annotation_file} lists {image['file_name']} twice (the second with id "
                f"{image['id']}); list each image once, all its annotations with its one id."
            )
        files.add(image["file_name"])
    return by_id


def check_box(annotation: dict, image: dict, where: str) -> list[float]:
    """The annotation's ``[x, y, w, h]``, if it is a box of positive size that meets its image."""
    box = annotation.get("bbox")
    if not (isinstance(box, list) and len(box) == 4 and box[2] > 0 and box[3] > 0):
        raise ValueError(
            f"{where}: annotation {annotation.get('id')} has bbox {box}; expected [x, y, width, "
            "height] in pixels with width and height above 0."
        )
    x, y, width, height = box
    image_width, image_height = image.get("width", math.inf), image.get("height", math.inf)
    if x >= image_width or y >= image_height or x + width <= 0 or y + height <= 0:
        raise ValueError(
            f"{where}: annotation {annotation.get('id')} has bbox {box}, outside its image "
            f"{image['file_name']} ({image_width}x{image_height} pixels)."
        )
    return box
{%- if task == 'instance_segmentation' %}


{% include 'partials/layouts/coco/segmentation.py' %}
{%- endif %}


class CocoDetection(Dataset):
    """One split: the images of a COCO instances file, with their boxes{{ ', masks' if task == 'instance_segmentation' }} and class labels.

    Crowd annotations (``iscrowd: 1``, one box around a group of objects) are skipped: they are
    not single objects to learn. Images without annotations are kept, as images with no objects.
    """

    def __init__(
        self,
        annotation_file: Path,
        image_dir: Path,
        category_ids: list[int],
        transform: TrainTransform | EvalTransform,
    ) -> None:
        coco = read_coco(annotation_file)
        if not coco["images"]:
            raise ValueError(f"{annotation_file} lists no images.")
        images = unique_images(coco["images"], annotation_file)
        self.label_of = {category: label for label, category in enumerate(category_ids, start=1)}
        objects: dict[int, list[dict]] = defaultdict(list)
        for annotation in coco.get("annotations", []):
            if annotation.get("iscrowd", 0):
                continue
            category, image_id = annotation.get("category_id"), annotation.get("image_id")
            if category not in self.label_of:
                raise ValueError(
                    f"{annotation_file}: annotation {annotation.get('id')} has category_id "
                    f"{category}, which the train split's categories lack ({category_ids})."
                )
            if image_id not in images:
                raise ValueError(
                    f"{annotation_file}: annotation {annotation.get('id')} has image_id "
                    f"{image_id}, which its images list lacks."
                )
            check_box(annotation, images[image_id], str(annotation_file))
{%- if task == 'instance_segmentation' %}
            check_segmentation(annotation, images[image_id], str(annotation_file))
{%- endif %}
            objects[image_id].append(annotation)
        self.samples = [
            (image_dir / image["file_name"], objects[image["id"]]) for image in coco["images"]
        ]
        missing = [str(path) for path, _ in self.samples if not path.is_file()]
        if missing:
            raise FileNotFoundError(
                f"{annotation_file} lists {len(missing)} images that do not exist, such as "
                f"{missing[0]}; file_name is relative to {image_dir}."
            )
        self.files = [annotation_file, *(path for path, _ in self.samples)]
        self.transform = transform

    @property
    def images(self) -> list[Path]:
        return [path for path, _ in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, Target]:
        path, annotations = self.samples[index]
        image = tv_tensors.Image(read_rgb(path))
        return self.transform(image, self.target(annotations, *image.shape[-2:]))

    def target(self, annotations: list[dict], height: int, width: int) -> Target:
        """What the model learns of one image's annotations: its boxes{{ ', masks' if task == 'instance_segmentation' }} and labels."""
        xywh = torch.tensor([a["bbox"] for a in annotations], dtype=torch.float32).reshape(-1, 4)
        labels = [self.label_of[annotation["category_id"]] for annotation in annotations]
        target = {
            "boxes": tv_tensors.BoundingBoxes(
                box_convert(xywh, "xywh", "xyxy"), format="XYXY", canvas_size=(height, width)
            ),
            "labels": torch.tensor(labels, dtype=torch.int64),
        }
{%- if task == 'instance_segmentation' %}
        masks = [decode_segmentation(a["segmentation"], height, width) for a in annotations]
        empty = torch.zeros(0, height, width, dtype=torch.uint8)
        target["masks"] = tv_tensors.Mask(torch.stack(masks) if masks else empty)
{%- endif %}
        return target


{% set predict_default = 'images/val' -%}
{% set predict_dir_default = 'defaults to ``data_dir/images/val``' -%}
class CocoDataModule(ImageDataModule):
    """Loads COCO instance annotations, decoding images with torchvision.io.

    Args:
        data_dir: Dataset root holding ``annotations/train.json``, ``annotations/val.json``
            (and optionally ``annotations/test.json``) and the ``images/`` they name.
{% include 'partials/families/detector/data_module_init.py' %}

    @cached_property
    def categories(self) -> list[dict]:
        """The train split's categories, by id: their order gives the labels 1..K."""
        train_file = self._annotation_file("train")
        if not train_file.is_file():
            raise FileNotFoundError(
                f"{train_file} does not exist: point --data.data_dir at a dataset, or write the "
                f"demo dataset with `python -m {{ package_name }}.demo_data {self.data_dir}`."
            )
        categories = read_coco(train_file)["categories"]
        return sorted(categories, key=lambda category: category["id"])

    @property
    def category_ids(self) -> list[int]:
        return [category["id"] for category in self.categories]

    @property
    def class_names(self) -> list[str]:
        return [category["name"] for category in self.categories]

    @property
    def num_classes(self) -> int:
        return len(self.categories)

    def transform(self, train: bool) -> TrainTransform | EvalTransform:
        return TrainTransform(augment=self.augment) if train else EvalTransform()

    def has_split(self, split: str) -> bool:
        return self._annotation_file(split).is_file()

    def dataset(self, split: str, train: bool) -> CocoDetection:
        return CocoDetection(
            self._annotation_file(split),
            self.data_dir / "images",
            self.category_ids,
            self.transform(train),
        )

    def _annotation_file(self, split: str) -> Path:
        return self.data_dir / "annotations" / f"{split}.json"
