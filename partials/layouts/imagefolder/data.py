"""Image classification data in ``data_dir/<split>/<class>/<image>`` folders.

The splits are ``train``, ``val`` and, optionally, ``test`` (``val`` stands in when it is
missing). Class names and their order come from the ``train`` folders.
"""

import logging
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from torchvision.datasets import ImageFolder
from torchvision.datasets.folder import find_classes

from {{ package_name }}.base import ImageDataModule
from {{ package_name }}.images import is_data_folder, is_image_below, read_rgb
from {{ package_name }}.transforms import (
    EvalTransform,
    Normalize,
    TrainTransform,
    build_augmentation,
)

log = logging.getLogger(__name__)


class ClassFolders(ImageFolder):
    """One split of the dataset, labelled with the class list of the train split.

    Every class needs images in train; another split may lack some (a rare class), with a
    warning naming them.
    """

    def __init__(
        self,
        root: Path,
        classes: list[str],
        transform: TrainTransform | EvalTransform,
        allow_empty: bool,
    ) -> None:
        self.fixed_classes = classes
        try:
            super().__init__(
                str(root),
                transform=transform,
                loader=read_rgb,
                is_valid_file=partial(is_image_below, root),
                allow_empty=allow_empty,
            )
        except FileNotFoundError as error:  # torchvision names empty classes, not their split
            if str(root) in str(error):
                raise
            raise FileNotFoundError(f"{root}: {error}".strip()) from None
        missing = set(classes) - {classes[label] for label in self.targets}
        if missing:
            log.warning("%s has no images of the classes %s.", root, ", ".join(sorted(missing)))

    @property
    def images(self) -> list[Path]:
        return [Path(path) for path, _ in self.samples]

    @property
    def files(self) -> list[Path]:
        return self.images

    def find_classes(self, directory: str) -> tuple[list[str], dict[str, int]]:
        unknown = sorted(
            entry.name
            for entry in Path(directory).iterdir()
            if entry.is_dir()
            and is_data_folder(entry.name)
            and entry.name not in self.fixed_classes
        )
        if unknown:
            raise ValueError(
                f"{directory} has class folders that train/ lacks: {', '.join(unknown)}; "
                "every class must have a folder in train/."
            )
        return self.fixed_classes, {name: index for index, name in enumerate(self.fixed_classes)}


{% set predict_dir_default = 'defaults to ``data_dir/val``' -%}
class ImageFolderDataModule(ImageDataModule):
    """Loads class-folder splits, decoding with torchvision.io and augmenting on uint8 tensors.

    Args:
        data_dir: Dataset root holding ``train/`` and ``val/`` (and optionally ``test/``).
        image_size: Side of the square images the model sees.
        crop_scale: Smallest and largest share of an image's area a training crop covers.
{% include 'partials/layouts/data_module_args.md' %}

    def __init__(
        self,
        data_dir: str = "data",
        image_size: int = 64,
        crop_scale: tuple[float, float] = (0.6, 1.0),
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
            predict_dir=Path(predict_dir or Path(data_dir) / "val"),
            skip_bad_samples=skip_bad_samples,
            allow_outside_paths=allow_outside_paths,
            to_model_input=Normalize(),
        )
        self.image_size = image_size
        self.crop_scale = crop_scale
        self.augment = None if augment is None else build_augmentation(augment)

    @cached_property
    def class_names(self) -> list[str]:
        train_dir = self.data_dir / "train"
        if not train_dir.is_dir():
            raise FileNotFoundError(
                f"{train_dir} does not exist: point --data.data_dir at a dataset, or write the "
                f"demo dataset with `python -m {{ package_name }}.demo_data {self.data_dir}`."
            )
        return [name for name in find_classes(str(train_dir))[0] if is_data_folder(name)]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def transform(self, train: bool) -> TrainTransform | EvalTransform:
        if train:
            return TrainTransform(
                image_size=self.image_size, crop_scale=self.crop_scale, augment=self.augment
            )
        return EvalTransform(image_size=self.image_size)

    def has_split(self, split: str) -> bool:
        return (self.data_dir / split).is_dir()

    def dataset(self, split: str, train: bool) -> ClassFolders:
        return ClassFolders(
            self.data_dir / split,
            self.class_names,
            self.transform(train),
            allow_empty=split != "train",
        )
