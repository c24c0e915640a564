"""Object detection data in YOLO format: images, and a label file for each image.

``data_dir/data.yaml`` names the classes (``names:``, a list or an index-to-name mapping, as
Ultralytics writes it) and may say where each split's images are (``train:``, ``val:``,
``test:``): a folder, a text file listing images, or a list of those, relative to ``data_dir``
(paths in a text file are relative to its folder). A split it does not name is in
``<split>/images/``. The splits are ``train``, ``val`` and, optionally, ``test`` (``val`` stands
in when it is missing).

As YOLO tools find them, the labels of ``.../images/.../X.jpg`` are in
``.../labels/.../X.txt`` (the last ``images`` folder of the path becomes ``labels``), one line
per object, ``class cx cy w h``: the class index and the box centre and size as fractions
(0..1) of the image's width and height. An image without a label file has no objects. The model
sees class ``c`` as label ``c + 1``: 0 is the background.
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


def label_file(image: Path, root: Path) -> Path:
    """The label file of an image: its path with the last ``images`` folder (below ``root``,
    if the image is there) turned into ``labels``, and the suffix into ``.txt``."""
    base = root if image.is_relative_to(root) else Path(image.anchor)
    folders = list(image.relative_to(base).parts[:-1])
    if "images" in folders:
        folders[len(folders) - 1 - folders[::-1].index("images")] = "labels"
    return base.joinpath(*folders, image.name).with_suffix(".txt")


def list_images(source: Path, where: str) -> list[Path]:
    """The images below a folder, or those a text file lists (one path per line, relative to
    the file's folder), sorted."""
    if source.is_dir():
        return sorted(path for path in source.rglob("*") if is_image_below(source, path))
    if source.is_file():
        lines = [line.strip() for line in source.read_text().splitlines()]
        return sorted(source.parent / line for line in lines if line)
    raise FileNotFoundError(f"{where}: {source} does not exist.")


class YoloDetection(Dataset):
    """One split: its images and, per image, the boxes and classes of its label file."""

    def __init__(
        self,
        images: list[Path],
        root: Path,
        num_classes: int,
        transform: TrainTransform | EvalTransform,
    ) -> None:
        self.samples = []
        self.files = list(images)
        for path in images:
            labels = label_file(path, root)
            self.samples.append((path, *read_labels(labels, num_classes)))
            if labels.is_file():
                self.files.append(labels)
        self.transform = transform

    @property
    def images(self) -> list[Path]:
        return [path for path, *_ in self.samples]

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
    def data_yaml(self) -> dict:
        """``data_dir/data.yaml``: the class names, and where the splits are."""
        data_yaml = self.data_dir / "data.yaml"
        if not data_yaml.is_file():
            raise FileNotFoundError(
                f"{data_yaml} does not exist: point --data.data_dir at a dataset with a data.yaml "
                "naming its classes (`names: [cat, dog]`), or write the demo dataset with "
                f"`python -m {{ package_name }}.demo_data {self.data_dir}`."
            )
        content = yaml.safe_load(data_yaml.read_text())
        if not isinstance(content, dict) or not content.get("names"):
            raise ValueError(f"{data_yaml} has no names: list the classes, `names: [cat, dog]`.")
        return content

    @cached_property
    def class_names(self) -> list[str]:
        """The ``names`` of ``data.yaml``, in class-index order."""
        names = self.data_yaml["names"]
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
        return bool(self.data_yaml.get(split)) or (self.data_dir / split).is_dir()

    def dataset(self, split: str, train: bool) -> YoloDetection:
        sources = self.data_yaml.get(split) or f"{split}/images"
        where = f"{self.data_dir / 'data.yaml'}, {split}"
        images = [
            image
            for source in (sources if isinstance(sources, list) else [sources])
            for image in list_images(self._source_path(str(source)), where)
        ]
        if not images:
            raise FileNotFoundError(f"{where}: no images found in {sources}.")
        return YoloDetection(images, self.data_dir, self.num_classes, self.transform(train))

    def _source_path(self, source: str) -> Path:
        """A split's folder or image list named in data.yaml, below ``data_dir``. Exports such
        as Roboflow's write ``../train/images`` beside a data.yaml at the dataset's top; as in
        Ultralytics, such a path that leads nowhere is read without its ``../``."""
        path = self.data_dir / source
        if not path.exists() and source.startswith("../"):
            return self.data_dir / source[3:]
        return path
