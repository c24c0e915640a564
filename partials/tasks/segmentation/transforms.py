"""Train and evaluation transforms of an image and its mask together, and the normalisation.

Call them with ``(tv_tensors.Image, tv_tensors.Mask)``: every geometric step moves the mask with
its image, and masks are resized with nearest neighbours, so they keep their class indices.
Given an image alone, they transform just it. Images and masks stay uint8 in the loader
processes; only once a batch is on the device does ``Normalize`` turn the images into floats and
the data module the masks into int64 (``on_after_batch_transfer``), so the workers and the
transfer to the GPU handle a quarter of the bytes of float images and an eighth of int64 masks.
"""

import difflib
import importlib
from typing import Any

import torch
from torchvision.transforms import v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TrainTransform(v2.Compose):
    """Random resized crop, then the augmentation (by default a horizontal flip), returned as
    plain uint8 tensors.

    Args:
        image_size: Side of the square crop.
        crop_scale: Smallest and largest share of the image's area a crop covers.
        augment: torchvision v2 transforms applied after the crop; None flips horizontally.
    """

    def __init__(
        self,
        *,
        image_size: int,
        crop_scale: tuple[float, float] = (0.5, 1.0),
        augment: list[v2.Transform] | None = None,
    ) -> None:
        augment = default_augmentation() if augment is None else augment
        super().__init__(
            [
                v2.RandomResizedCrop(image_size, scale=crop_scale, antialias=True),
                *augment,
                v2.ToPureTensor(),
            ]
        )


class EvalTransform(v2.Compose):
    """Resize to the square the model sees, returned as plain uint8 tensors.

    The whole image is kept (no crop), so every pixel is evaluated and predicted; predictions
    are resized back to the original size.
    """

    def __init__(self, *, image_size: int) -> None:
        super().__init__([v2.Resize((image_size, image_size), antialias=True), v2.ToPureTensor()])


{% include 'partials/augmentation.py' %}


{% include 'partials/normalize.py' %}
