"""``scaffold new --from-data``: recognise a dataset's layout, task, classes and image size.

Each layout is recognised by the files its data module reads first (README of a generated
project, "Data"): YOLO by ``data.yaml``, COCO by ``annotations/train.json``, mask folders by
``train/images`` beside ``train/masks``, CSV by ``train.csv``, class folders by ``train/<class>/``
holding images. Exactly one must match.
"""

import csv
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from PIL import Image, UnidentifiedImageError

from scaffolder.errors import BadInputError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff")
# The square sides a project can be set to; the largest that the images' short side reaches is
# chosen, so that training never enlarges most images.
IMAGE_SIZES = (32, 64, 96, 128, 160, 192, 224)
SAMPLED_IMAGES = 64
CSV_DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class Recognised:
    """What a dataset folder holds, as far as the answers and the configuration need."""

    layout: str
    task: str
    classes: tuple[str, ...]  # empty where the data module finds them later (or regression)
    image_size: int | None  # None for detectors, which keep images at their own size
    evidence: str  # what it was recognised by, for the user

    @property
    def answers(self) -> dict[str, str]:
        """The answers to the template's questions that the data gives."""
        return {"task": self.task, "dataset_layout": self.layout}


def recognise(root: Path) -> Recognised:
    """The one layout ``root`` holds; BadInputError says what was looked for otherwise."""
    if not root.is_dir():
        raise BadInputError(f"{root} is not a folder; --from-data takes a dataset's folder.")
    found = [recognised for check in CHECKS if (recognised := check(root))]
    if not found:
        raise BadInputError(
            f"{root} holds no dataset layout scaffold knows; it looked for data.yaml (YOLO), "
            "annotations/train.json (COCO), train/images beside train/masks (mask folders), "
            "train.csv (CSV) and train/<class>/ folders of images (class folders)."
        )
    if len(found) > 1:
        layouts = " and ".join(f"{item.layout} ({item.evidence})" for item in found)
        raise BadInputError(
            f"{root} looks like {layouts}; pass -d dataset_layout=... and -d task=... to choose."
        )
    return found[0]


def _yolo(root: Path) -> Recognised | None:
    data_yaml = root / "data.yaml"
    if not data_yaml.is_file():
        return None
    try:
        names = (yaml.safe_load(data_yaml.read_text()) or {}).get("names")
    except (yaml.YAMLError, AttributeError):
        names = None
    if isinstance(names, dict):
        names = [names[index] for index in sorted(names)]
    if not names:
        raise BadInputError(f"{data_yaml} has no names: list the classes, `names: [cat, dog]`.")
    return Recognised("yolo", "detection", tuple(map(str, names)), None, "data.yaml")


def _coco(root: Path) -> Recognised | None:
    train_file = root / "annotations" / "train.json"
    if not train_file.is_file():
        return None
    try:
        coco = json.loads(train_file.read_text())
        categories = sorted(coco["categories"], key=lambda category: category["id"])
        names = tuple(str(category["name"]) for category in categories)
    except (json.JSONDecodeError, KeyError, TypeError):
        raise BadInputError(
            f"{train_file} is not a COCO instances file (images, annotations, categories)."
        ) from None
    masks = any(annotation.get("segmentation") for annotation in coco.get("annotations", []))
    evidence = "annotations/train.json" + (
        ", with masks: -d task=instance_segmentation learns them too" if masks else ""
    )
    return Recognised("coco", "detection", names, None, evidence)


def _mask_folders(root: Path) -> Recognised | None:
    if not ((root / "train" / "images").is_dir() and (root / "train" / "masks").is_dir()):
        return None
    names: tuple[str, ...] = ()
    for class_file in (root / "classes.txt", root / "labels.txt"):
        if class_file.is_file():
            lines = class_file.read_text().splitlines()
            names = tuple(line.strip() for line in lines if line.strip())
            break
    size = image_size(images_below(root / "train" / "images"))
    return Recognised("mask_folders", "segmentation", names, size, "train/images, train/masks")


def _csv(root: Path) -> Recognised | None:
    train_csv = root / "train.csv"
    if not train_csv.is_file():
        return None
    with train_csv.open(newline="", encoding="utf-8-sig", errors="replace") as file:
        first_line = file.readline()
        file.seek(0)
        # The projects read commas, semicolons, tabs or bars, whichever the header holds most.
        delimiter = max(CSV_DELIMITERS, key=first_line.count)
        reader = csv.DictReader(file, delimiter=delimiter)
        header = list(reader.fieldnames or [])
        rows = zip(reader, range(SAMPLED_IMAGES), strict=False)
        paths = [root / row["image"] for row, _ in rows] if "image" in header else []
    if "image" not in header:
        raise BadInputError(
            f"{train_csv} has no `image` column (its header is {', '.join(header)}); name the "
            "column of image paths `image`, or set data.image_column after generating."
        )
    if "labels" in header:
        task, evidence = "multilabel", "train.csv with a labels column"
    elif "label" in header:
        task, evidence = "classification", "train.csv with a label column"
    else:
        task, evidence = "regression", "train.csv with number columns"
    return Recognised("csv", task, (), image_size(paths), evidence)


def _class_folders(root: Path) -> Recognised | None:
    train = root / "train"
    if not train.is_dir() or (train / "images").is_dir():  # the images of another layout
        return None
    classes = sorted(
        folder.name
        for folder in train.iterdir()
        if folder.is_dir()
        and not folder.name.startswith(".")
        and folder.name != "__MACOSX"
        and images_below(folder)
    )
    if not classes:
        return None
    size = image_size(images_below(train))
    return Recognised("imagefolder", "classification", tuple(classes), size, "train/<class>/")


CHECKS: tuple[Callable[[Path], Recognised | None], ...] = (
    _yolo,
    _coco,
    _mask_folders,
    _csv,
    _class_folders,
)


def images_below(folder: Path) -> list[Path]:
    """Up to ``SAMPLED_IMAGES`` image files below ``folder``, hidden ones left out."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if path.suffix.lower() in IMAGE_EXTENSIONS and not any(
            part.startswith(".") or part == "__MACOSX" for part in relative
        ):
            found.append(path)
            if len(found) == SAMPLED_IMAGES:
                break
    return found


def image_size(paths: list[Path]) -> int:
    """The largest of ``IMAGE_SIZES`` that the median short side of the images reaches."""
    sides = []
    for path in paths:
        try:
            with Image.open(path) as image:
                sides.append(min(image.size))
        except (OSError, UnidentifiedImageError):
            continue  # check_data names it
    if not sides:
        return IMAGE_SIZES[1]
    median = statistics.median(sides)
    return max([size for size in IMAGE_SIZES if size <= median] or [IMAGE_SIZES[0]])
