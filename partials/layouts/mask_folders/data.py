"""Semantic segmentation data in ``data_dir/<split>/images/`` and ``data_dir/<split>/masks/``.

The splits are ``train``, ``val`` and, optionally, ``test`` (``val`` stands in when it is
missing). Every image ``images/X.jpg`` (or .png, ...) has a mask ``masks/X.png`` of the same
size whose pixels are class indices: 0 for the first class, 1 for the next, and so on, or
``ignore_index`` (255 by default) for pixels of no class. Masks are single-channel PNGs,
grayscale or palette (as in Pascal VOC); of an RGB mask, the first channel is read.
Subfolders of ``images/`` are mirrored in ``masks/``. ``data_dir/classes.txt`` (or
``labels.txt``) names the classes, one per line in the order of their mask values.
"""

import logging
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset
from torchvision import tv_tensors
from torchvision.io import ImageReadMode

from {{ package_name }}.base import ImageDataModule
from {{ package_name }}.images import (
    BadImageError,
    ImageFiles,
    is_image_below,
    read_image,
    read_rgb,
)
from {{ package_name }}.transforms import (
    EvalTransform,
    Normalize,
    TrainTransform,
    build_augmentation,
)

log = logging.getLogger(__name__)

# Where a dataset names its classes, one per line in the order of their mask values.
CLASS_FILES = ("classes.txt", "labels.txt")


def read_mask(path: str | Path) -> torch.Tensor:
    """Decode a mask PNG to uint8 class indices [H, W]: palette indices or the first channel."""
    return read_image(path, ImageReadMode.UNCHANGED)[0]


class MaskFolders(Dataset):
    """One split: the images below ``root/images`` and their masks below ``root/masks``.

    With ``num_classes``, a mask value that is neither a class index nor ``ignore_index`` is
    an error naming the mask (it would otherwise fail deep inside the loss, or on a GPU as a
    device-side assert).
    """

    def __init__(
        self,
        root: Path,
        transform: TrainTransform | EvalTransform,
        num_classes: int | None = None,
        ignore_index: int = 255,
    ) -> None:
        image_dir, mask_dir = root / "images", root / "masks"
        images = sorted(path for path in image_dir.rglob("*") if is_image_below(image_dir, path))
        if not images:
            raise FileNotFoundError(f"No images found in {image_dir}.")
        self.samples = [
            (image, mask_dir / image.relative_to(image_dir).with_suffix(".png")) for image in images
        ]
        missing = [str(mask) for _, mask in self.samples if not mask.is_file()]
        if missing:
            raise FileNotFoundError(
                f"{len(missing)} of the images in {image_dir} have no mask, such as {missing[0]}; "
                "each image X.jpg needs a mask X.png at the same place below masks/."
            )
        self.transform = transform
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    @property
    def images(self) -> list[Path]:
        return [image for image, _ in self.samples]

    @property
    def files(self) -> list[Path]:
        return [file for sample in self.samples for file in sample]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        image_path, mask_path = self.samples[index]
        image, mask = read_rgb(image_path), read_mask(mask_path)
        if image.shape[-2:] != mask.shape:
            raise BadImageError(
                f"{mask_path} is {mask.shape[1]}x{mask.shape[0]} pixels but its image is "
                f"{image.shape[2]}x{image.shape[1]}; a mask must match its image."
            )
        if self.num_classes is not None:
            stray = mask[(mask >= self.num_classes) & (mask != self.ignore_index)]
            if stray.numel():
                raise BadImageError(
                    f"{mask_path} has mask values {stray.unique().tolist()}; mask values are "
                    f"class indices 0 to {self.num_classes - 1} (one per class name), or "
                    f"{self.ignore_index} for pixels of no class."
                )
        return self.transform(tv_tensors.Image(image), tv_tensors.Mask(mask))


class PredictImages(ImageFiles):
    """Every image below a folder, with its original (height, width) to size the mask to."""

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str, torch.Tensor]:
        path = str(self.paths[index])
        image = read_rgb(path)
        return self.transform(tv_tensors.Image(image)), path, torch.tensor(image.shape[-2:])


{% set predict_dir_default = 'defaults to ``data_dir/val/images``' -%}
class MaskFolderDataModule(ImageDataModule):
    """Loads image and mask folders, decoding with torchvision.io and augmenting both together.

    Args:
        class_names: Name of every class, in the order of their mask values (the first is
            usually the background); None reads them from ``data_dir/classes.txt`` (or
            ``labels.txt``), or else names each mask value of the train split ``class_<k>``.
        data_dir: Dataset root holding ``train/`` and ``val/`` (and optionally ``test/``).
        image_size: Side of the square images the model sees.
        crop_scale: Smallest and largest share of an image's area a training crop covers.
{% include 'partials/layouts/data_module_args.md' %}

    def __init__(
        self,
        class_names: list[str] | None = None,
        data_dir: str = "data",
        image_size: int = 64,
        crop_scale: tuple[float, float] = (0.5, 1.0),
        augment: list[str | dict[str, Any]] | None = None,
        batch_size: int = 16,
        num_workers: int | None = None,
        predict_dir: str | None = None,
        skip_bad_samples: bool = False,
        allow_outside_paths: bool = False,
    ) -> None:
        super().__init__(
            data_dir=data_dir,
            batch_size=batch_size,
            num_workers=num_workers,
            predict_dir=Path(predict_dir or Path(data_dir) / "val" / "images"),
            skip_bad_samples=skip_bad_samples,
            allow_outside_paths=allow_outside_paths,
            to_model_input=Normalize(),
        )
        self.given_class_names = class_names
        self.image_size = image_size
        self.crop_scale = crop_scale
        self.augment = None if augment is None else build_augmentation(augment)

    @cached_property
    def class_names(self) -> list[str]:
        if self.given_class_names:
            return list(self.given_class_names)
        self._check_data_dir()
        for name in CLASS_FILES:
            class_file = self.data_dir / name
            if class_file.is_file():
                names = [line.strip() for line in class_file.read_text().splitlines()]
                if not any(names):
                    raise ValueError(f"{class_file} names no class; write one name per line.")
                return [name for name in names if name]
        return self._names_from_masks()

    def _check_data_dir(self) -> None:
        if not self.data_dir.is_dir():
            raise FileNotFoundError(
                f"{self.data_dir} does not exist: point --data.data_dir at a dataset, or write "
                "the demo dataset with "
                f"`python -m {{ package_name }}.demo_data {self.data_dir}`."
            )

    def _names_from_masks(self) -> list[str]:
        """``class_<k>`` for each mask value 0 to the largest in the train split's masks."""
        split = MaskFolders(self.data_dir / "train", self.transform(train=False))
        largest = 0
        for _, mask_path in split.samples:
            values = read_mask(mask_path).unique()
            values = values[values != split.ignore_index]
            if len(values):
                largest = max(largest, int(values.max()))
        if largest == 0:
            raise ValueError(
                f"The train masks in {self.data_dir} hold no class but 0, and "
                f"{split.ignore_index} marks pixels of no class: store a two-class mask's "
                "foreground as 1, not 255, or name the classes in classes.txt."
            )
        log.warning(
            "%s has no classes.txt: naming the classes by their mask values, class_0 to "
            "class_%d. Write their names in %s, one per line.",
            self.data_dir,
            largest,
            self.data_dir / "classes.txt",
        )
        return [f"class_{value}" for value in range(largest + 1)]

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

    def dataset(self, split: str, train: bool) -> MaskFolders:
        self._check_data_dir()
        return MaskFolders(self.data_dir / split, self.transform(train), self.num_classes)

    def predict_dataset(self) -> PredictImages:
        """The images of ``predict_dir``, with their sizes: masks are predicted at those."""
        return PredictImages(self.predict_dir, self.transform(train=False))

    def on_after_batch_transfer(self, batch: tuple, dataloader_idx: int) -> tuple:
        """As for every layout, and the uint8 masks into the int64 class indices losses take."""
        images, second, *rest = super().on_after_batch_transfer(batch, dataloader_idx)
        return (images, second if self.trainer.predicting else second.long(), *rest)
