"""Train and evaluation transforms, and the normalisation that follows them on the device.

The loader processes decode, crop and flip uint8 images and batch them as uint8. Only once a
batch is on the device does ``Normalize`` turn it into floats (the data module's
``on_after_batch_transfer``): the workers, the pinned copy and the transfer to the GPU handle a
quarter of the bytes of float images, and the float arithmetic runs on the accelerator.
"""

import difflib
import importlib
from typing import Any

import torch
from torchvision.transforms import v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TrainTransform:
    """Random resized crop of a uint8 image, then the augmentation (by default a horizontal flip).

    Args:
        image_size: Side of the square crop.
        crop_scale: Smallest and largest share of the image's area a crop covers.
        augment: torchvision v2 transforms applied after the crop; None flips horizontally.
    """

    def __init__(
        self,
        *,
        image_size: int,
        crop_scale: tuple[float, float] = (0.6, 1.0),
        augment: list[v2.Transform] | None = None,
    ) -> None:
        augment = default_augmentation() if augment is None else augment
        self.transform = v2.Compose(
            [v2.RandomResizedCrop(image_size, scale=crop_scale, antialias=True), *augment]
        )

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return self.transform(image)


class EvalTransform:
    """Resize the short side of a uint8 image and centre-crop it to a square."""

    def __init__(self, *, image_size: int) -> None:
        self.transform = v2.Compose(
            [v2.Resize(image_size, antialias=True), v2.CenterCrop(image_size)]
        )

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return self.transform(image)


{% include 'partials/augmentation.py' %}


{% include 'partials/normalize.py' %}
