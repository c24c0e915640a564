"""{{ task_summary }} data listed in ``data_dir/<split>.csv`` files.

The splits are ``train``, ``val`` and, optionally, ``test`` (``val`` stands in when it is
missing). Each file has a header row, then one row per image with the image's path, relative to
``data_dir``, in the image column (absolute paths and paths out of ``data_dir`` need
``allow_outside_paths``).
{%- if task == 'classification' %}

The label column holds the image's class name. Class names and their order come from train.csv
unless ``class_names`` gives them.
{%- elif task == 'multilabel' %}

The labels column holds the image's class names joined by a separator (a space by default); an
empty cell means none. Class names and their order come from train.csv unless ``class_names``
gives them.
{%- else %}

The other columns hold the numbers to predict (all of them, unless ``target_columns`` names
some).
{%- endif %}
"""

import csv
import io
import logging
{%- if task != 'regression' %}
import re
{%- endif %}
{%- if task == 'regression' %}
import math
{%- endif %}
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from {{ package_name }}.base import ImageDataModule
from {{ package_name }}.images import read_rgb
from {{ package_name }}.transforms import (
    EvalTransform,
    Normalize,
    TrainTransform,
    build_augmentation,
)

log = logging.getLogger(__name__)

# A row's cells by column name, and where the row is ("data/val.csv, line 7") for error messages.
Row = tuple[dict[str, str], str]
# What spreadsheet programs separate cells with, by locale: commas, or semicolons where the
# comma is the decimal mark; tabs and bars from other tools.
DELIMITERS = ",;\t|"


{%- if task != 'regression' %}


def natural_order(name: str) -> list[str | int]:
    """Sort key that orders the numbers in names by value: "class2" before "class10"."""
    return [int(part) if part.isdecimal() else part for part in re.split(r"(\d+)", name)]
{%- endif %}


def read_text(csv_path: Path) -> str:
    """The file's text: UTF-8 (with or without the byte-order mark spreadsheet programs write),
    else Windows-1252, what Excel saves on Western-language Windows."""
    data = csv_path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ValueError(
            f"{csv_path} is not UTF-8 text (byte {utf8_error.start}: {utf8_error.reason}); save "
            "it as UTF-8 CSV."
        ) from None
    log.warning("%s is not UTF-8; read as Windows-1252. Save it as UTF-8 to be sure.", csv_path)
    return text


def read_csv(csv_path: Path) -> tuple[list[str], list[Row]]:
    """The header and the rows of a CSV file whose first row names the columns; the cells may
    be separated by commas, semicolons, tabs or bars, as the header shows."""
    text = read_text(csv_path)
    # The header names the columns, so it holds no separator but the one between them.
    header_line = text.partition("\n")[0]
    delimiter = max(DELIMITERS, key=header_line.count) if header_line else ","
    if not header_line.count(delimiter):
        delimiter = ","  # one column
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = list(reader.fieldnames or [])
    rows = []
    for row in reader:
        where = f"{csv_path}, line {reader.line_num}"
        if None in row:
            raise ValueError(f"{where}: more cells than the header has columns.")
        # Short rows get None for their missing cells; read those as empty.
        rows.append(({column: cell or "" for column, cell in row.items()}, where))
    return header, rows
{%- if task == 'regression' %}


def parse_number(cell: str, column: str, where: str) -> float:
    """The cell as a finite number, or a ValueError that names the cell."""
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{where}: {column} is {cell!r}, not a number.") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: {column} is {cell!r}, not a finite number.")
    return value
{%- endif %}


class CSVImages(Dataset):
    """Images with one target each; yields (transformed image, target).

    For ``predict`` on the images a CSV file lists, each image's target is its path.
    """

    def __init__(
        self,
        paths: list[Path],
        targets: torch.Tensor | list[str],
        transform: Callable[[torch.Tensor], torch.Tensor],
    ) -> None:
        self.paths = paths
        self.targets = targets
        self.transform = transform

    @property
    def images(self) -> list[Path]:
        return self.paths

    @property
    def files(self) -> list[Path]:
        return self.paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor | str]:
        return self.transform(read_rgb(self.paths[index])), self.targets[index]


{% set predict_dir_default = 'None predicts the images val.csv lists' -%}
class CSVDataModule(ImageDataModule):
    """Loads the images that CSV splits list, decoding with torchvision.io.

    Args:
        data_dir: Dataset root holding ``train.csv`` and ``val.csv`` (and optionally
            ``test.csv``); relative image paths in them start here.
        image_column: Header of the column of image paths.
{%- if task == 'classification' %}
        label_column: Header of the column of class names.
        class_names: The classes, in the order of the model's outputs; None takes the labels of
            train.csv in natural order ("2" before "10").
{%- elif task == 'multilabel' %}
        labels_column: Header of the column of class names, joined by ``label_separator``.
        label_separator: What separates the class names in one cell.
        class_names: The classes, in the order of the model's outputs; None takes the labels of
            train.csv in natural order ("2" before "10").
{%- else %}
        target_columns: Headers of the numeric columns to predict; None takes every column
            but the image column, in the order of train.csv.
{%- endif %}
        image_size: Side of the square images the model sees.
{%- if task != 'regression' %}
        crop_scale: Smallest and largest share of an image's area a training crop covers.
{%- endif %}
{% include 'partials/layouts/data_module_args.md' %}

    def __init__(
        self,
        data_dir: str = "data",
        image_column: str = "image",
{%- if task == 'classification' %}
        label_column: str = "label",
        class_names: list[str] | None = None,
{%- elif task == 'multilabel' %}
        labels_column: str = "labels",
        label_separator: str = " ",
        class_names: list[str] | None = None,
{%- else %}
        target_columns: list[str] | None = None,
{%- endif %}
        image_size: int = 64,
{%- if task != 'regression' %}
        crop_scale: tuple[float, float] = (0.6, 1.0),
{%- endif %}
        augment: list[str | dict[str, Any]] | None = None,
        batch_size: int = 64,
        num_workers: int | None = None,
        predict_dir: str | None = None,
        skip_bad_samples: bool = False,
        allow_outside_paths: bool = False,
    ) -> None:
        super().__init__(
            data_dir=data_dir,
            batch_size=batch_size,
            num_workers=num_workers,
            predict_dir=Path(predict_dir) if predict_dir else None,
            skip_bad_samples=skip_bad_samples,
            allow_outside_paths=allow_outside_paths,
            to_model_input=Normalize(),
        )
        self.image_column = image_column
{%- if task == 'classification' %}
        self.label_column = label_column
        self.given_class_names = class_names
{%- elif task == 'multilabel' %}
        self.labels_column = labels_column
        self.label_separator = label_separator
        self.given_class_names = class_names
{%- else %}
        self.target_columns = target_columns
{%- endif %}
        self.image_size = image_size
{%- if task != 'regression' %}
        self.crop_scale = crop_scale
{%- endif %}
        self.augment = None if augment is None else build_augmentation(augment)
{%- if task in ['classification', 'multilabel'] %}

    @cached_property
    def class_names(self) -> list[str]:
        if self.given_class_names:
            return list(self.given_class_names)
{%- if task == 'classification' %}
        return sorted({row[self.label_column] for row, _ in self._rows("train")}, key=natural_order)
{%- else %}
        names = {name for row, _ in self._rows("train") for name in self._labels(row)}
        return sorted(names, key=natural_order)
{%- endif %}

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @cached_property
    def class_indices(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.class_names)}

    def _class_index(self, name: str, where: str) -> int:
        if name not in self.class_indices:
            raise ValueError(
                f"{where}: unknown class {name!r}; the classes are {', '.join(self.class_names)}."
            )
        return self.class_indices[name]
{%- endif %}
{%- if task == 'classification' %}

    def _target(self, row: dict[str, str], where: str) -> int:
        """The index of the row's class."""
        return self._class_index(row[self.label_column], where)
{%- elif task == 'multilabel' %}

    def _labels(self, row: dict[str, str]) -> list[str]:
        names = row[self.labels_column].split(self.label_separator)
        return [name.strip() for name in names if name.strip()]

    def _target(self, row: dict[str, str], where: str) -> list[float]:
        """The row's labels as a multi-hot vector over the classes."""
        target = [0.0] * self.num_classes
        for name in self._labels(row):
            target[self._class_index(name, where)] = 1.0
        return target
{%- else %}

    @cached_property
    def target_names(self) -> list[str]:
        if self.target_columns:
            return list(self.target_columns)
        header, _ = self._read("train")
        return [column for column in header if column != self.image_column]

    @property
    def num_targets(self) -> int:
        return len(self.target_names)

    @property
    def target_mean(self) -> torch.Tensor:
        """Mean of each target over the train split (after ``setup("fit")``)."""
        return self.train_set.targets.mean(dim=0)

    @property
    def target_std(self) -> torch.Tensor:
        """Standard deviation of each target over the train split; 1 where it is constant."""
        std = self.train_set.targets.std(dim=0, correction=0)
        return torch.where(std > 0, std, 1.0)

    def _target(self, row: dict[str, str], where: str) -> list[float]:
        """The row's targets as numbers."""
        return [parse_number(row[column], column, where) for column in self.target_names]
{%- endif %}

    def transform(self, train: bool) -> TrainTransform | EvalTransform:
        if train:
{%- if task == 'regression' %}
            return TrainTransform(image_size=self.image_size, augment=self.augment)
{%- else %}
            return TrainTransform(
                image_size=self.image_size, crop_scale=self.crop_scale, augment=self.augment
            )
{%- endif %}
        return EvalTransform(image_size=self.image_size)

    def has_split(self, split: str) -> bool:
        return self._csv_path(split).is_file()

    def dataset(self, split: str, train: bool) -> CSVImages:
        rows = self._rows(split)
        paths = [self._image_path(row, where) for row, where in rows]
        targets = torch.tensor([self._target(row, where) for row, where in rows])
        return CSVImages(paths, targets, self.transform(train))

    def predict_dataset(self) -> Dataset:
        """The images of ``predict_dir``, or else the ones val.csv lists."""
        if self.predict_dir:
            return super().predict_dataset()
        paths = [self._image_path(row, where) for row, where in self._rows("val")]
        return CSVImages(paths, [str(path) for path in paths], self.transform(train=False))

    def _csv_path(self, split: str) -> Path:
        return self.data_dir / f"{split}.csv"

    def _read(self, split: str) -> tuple[list[str], list[Row]]:
        csv_path = self._csv_path(split)
        if not csv_path.is_file():
            raise FileNotFoundError(
                f"{csv_path} does not exist: point --data.data_dir at a dataset, or write the "
                f"demo dataset with `python -m {{ package_name }}.demo_data {self.data_dir}`."
            )
        header, rows = read_csv(csv_path)
        if not rows:
            raise ValueError(f"{csv_path} lists no images.")
        return header, rows

    def _rows(self, split: str) -> list[Row]:
        """The split's rows, after checking that its header has every column read here."""
        header, rows = self._read(split)
{%- if task == 'classification' %}
        columns = [self.image_column, self.label_column]
{%- elif task == 'multilabel' %}
        columns = [self.image_column, self.labels_column]
{%- else %}
        columns = [self.image_column, *self.target_names]
{%- endif %}
        missing = [column for column in columns if column not in header]
        if missing:
            raise ValueError(
                f"{self._csv_path(split)} has no column {', '.join(map(repr, missing))}; its "
                f"header is {', '.join(map(repr, header))}. Set the column names under data: "
                "in configs/default.yaml."
            )
        return rows

    def _image_path(self, row: dict[str, str], where: str) -> Path:
        path = self.data_dir / row[self.image_column]
        if not path.is_file():
            raise FileNotFoundError(f"{where}: image {row[self.image_column]!r} is not at {path}.")
        return path
