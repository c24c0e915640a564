"""Object detection data in YOLO format: ``<split>/images/`` + ``<split>/labels/`` label files.

Each image ``<split>/images/X.jpg`` has a label file ``<split>/labels/X.txt`` with one line per
object, ``class cx cy w h``: the class index and the box centre and size as fractions (0..1) of
the image's width and height. An image without a label file has no objects. The class names come
from ``data_dir/data.yaml`` (``names:``, a list or an index-to-name mapping, as Ultralytics
writes it). The splits are ``train``, ``val`` and, optionally, ``test`` (``val`` stands in when
it is missing). The model sees class ``c`` as label ``c + 1``: 0 is the background.
"""

from functools import cached_property
from pathlib import Path
from typing import Any

import torch
import yaml
from torch.utils.data import Dataset
from torchvision import tv_tensors
from torchvision.ops import box_convert

from {{ package_name }}.base import ImageDataModule, Target, collate_detections
from {{ package_name }}.images import is_image_below, read_rgb
from {{ package_name }}.transforms import (
    EvalTransform,
    TrainTransform,
    build_augmentation,
    to_float,
)


def read_labels(label_file: Path, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Class indices [N] and normalised ``cx cy w h`` boxes [N, 4] from one label file."""
    rows = []
    if label_file.is_file():
        for number, line in enumerate(label_file.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            row, problem = parse_label(line, num_classes)
            if problem:
                raise ValueError(
                    f"{label_file}, line {number}: {problem}; expected `class cx cy w h`, got "
                    f"{line!r}."
                )
            rows.append(row)
    table = torch.tensor(rows, dtype=torch.float64).reshape(-1, 5)
    return table[:, 0].long(), table[:, 1:].float()


def parse_label(line: str, num_classes: int) -> tuple[list[float], str | None]:
    """The numbers of one label line, and what is wrong with them (None when nothing is)."""
    fields = line.split()
    if len(fields) != 5:
        return [], f"{len(fields)} values instead of 5"
    try:
        row = [float(field) for field in fields]
    except ValueError:
        return [], "a value is not a number"
    if row[0] not in range(num_classes):
        return row, f"class {fields[0]} is not an index below {num_classes} (names in data.yaml)"
    if not all(0 <= value <= 1 for value in row[1:]) or row[3] <= 0 or row[4] <= 0:
        return row, "box values are fractions of the image size, 0 to 1, and w and h are above 0"
    return row, None


class YoloDetection(Dataset):
    """One split: its images and, per image, the boxes and classes of its label file."""

    def __init__(
        self, root: Path, num_classes: int, transform: TrainTransform | EvalTransform
    ) -> None:
        image_dir = root / "images"
        paths = sorted(path for path in image_dir.rglob("*") if is_image_below(image_dir, path))
        if not paths:
            raise FileNotFoundError(f"No images found in {image_dir}.")
        self.samples = []
        self.files = list(paths)
        for path in paths:
            label_file = root / "labels" / path.relative_to(image_dir).with_suffix(".txt")
            self.samples.append((path, *read_labels(label_file, num_classes)))
            if label_file.is_file():
                self.files.append(label_file)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, Target]:
        path, classes, normalised_boxes = self.samples[index]
        image = tv_tensors.Image(read_rgb(path))
        height, width = image.shape[-2:]
        boxes = box_convert(normalised_boxes, "cxcywh", "xyxy") * torch.tensor(
            [width, height, width, height]
        )
        target = {
            "boxes": tv_tensors.BoundingBoxes(boxes, format="XYXY", canvas_size=(height, width)),
            "labels": classes + 1,
        }
        return self.transform(image, target)


{% set predict_default = 'val/images' -%}
{% set predict_dir_default = 'defaults to ``data_dir/val/images``' -%}
class YoloDataModule(ImageDataModule):
    """Loads YOLO label files, decoding images with torchvision.io.

    Args:
        data_dir: Dataset root holding ``data.yaml``, ``train/`` and ``val/`` (and optionally
            ``test/``), each with ``images/`` and ``labels/``.
{% include 'partials/families/detector/data_module_init.py' %}

    @cached_property
    def class_names(self) -> list[str]:
        """The ``names`` of ``data.yaml``, in class-index order."""
        data_yaml = self.data_dir / "data.yaml"
        if not data_yaml.is_file():
            raise FileNotFoundError(
                f"{data_yaml} does not exist: point --data.data_dir at a dataset with a data.yaml "
                "naming its classes (`names: [cat, dog]`), or write the demo dataset with "
                f"`python -m {{ package_name }}.demo_data {self.data_dir}`."
            )
        names = yaml.safe_load(data_yaml.read_text())["names"]
        if isinstance(names, dict):
            names = [names[index] for index in sorted(names)]
        return [str(name) for name in names]

    @property
    def category_ids(self) -> list[int]:
        """The class index of each label 1..K, as written in the label files."""
        return list(range(self.num_classes))

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def transform(self, train: bool) -> TrainTransform | EvalTransform:
        return TrainTransform(augment=self.augment) if train else EvalTransform()

    def has_split(self, split: str) -> bool:
        return (self.data_dir / split).is_dir()

    def dataset(self, split: str, train: bool) -> YoloDetection:
        return YoloDetection(self.data_dir / split, self.num_classes, self.transform(train))
