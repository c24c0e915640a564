"""Train and evaluation transforms for images with boxes, and instance masks if they have them.

The boxes are ``tv_tensors.BoundingBoxes`` and the masks ``tv_tensors.Mask`` [N, H, W], so every
geometric transform moves them with the image, and a box that is dropped takes its label and
mask with it. Images stay at their own size and stay uint8 in the loader processes; only once
a batch is on the device does ``to_float`` scale them to floats in [0, 1] (the data module's
``on_after_batch_transfer``), so the workers and the transfer to the GPU handle a quarter of the
bytes of float images. The detector resizes and normalises them itself, and maps its boxes (and
masks) back to the pixels of the image it was given.
"""

import difflib
import importlib
from typing import Any

import torch
from torchvision.transforms import v2


class TrainTransform:
    """Random scale and shift, then the augmentation (by default a horizontal flip), then clip
    the boxes to the image.

    A box pushed partly out of the image is clipped to it; one left narrower or lower than
    ``min_box_size`` pixels is dropped with its label (and mask).

    Args:
        scale: Smallest and largest zoom of the random affine step.
        translate: Largest shift, as a share of the image's width and height.
        augment: torchvision v2 transforms applied after the affine step; None flips
            horizontally.
        min_box_size: Boxes narrower or lower than this many pixels are dropped.
    """

    def __init__(
        self,
        *,
        scale: tuple[float, float] = (0.75, 1.25),
        translate: float = 0.1,
        augment: list[v2.Transform] | None = None,
        min_box_size: float = 2.0,
    ) -> None:
        augment = default_augmentation() if augment is None else augment
        self.transform = v2.Compose(
            [
                v2.RandomAffine(degrees=0, translate=(translate, translate), scale=scale),
                *augment,
                v2.ClampBoundingBoxes(),
                v2.SanitizeBoundingBoxes(min_size=min_box_size),
            ]
        )

    def __call__(self, image: torch.Tensor, target: dict[str, Any]) -> tuple[torch.Tensor, dict]:
        return self.transform(image, target)


class EvalTransform:
    """Clip the boxes to the image and drop empty ones; the image is left as it is."""

    def __init__(self) -> None:
        self.clean_boxes = v2.Compose([v2.ClampBoundingBoxes(), v2.SanitizeBoundingBoxes()])

    def __call__(
        self, image: torch.Tensor, target: dict[str, Any] | None = None
    ) -> torch.Tensor | tuple[torch.Tensor, dict]:
        """Transform an image and its target (validation, test), or an image alone (predict)."""
        if target is None:
            return image
        return self.clean_boxes(image, target)


def to_float(images: list[torch.Tensor]) -> list[torch.Tensor]:
    """uint8 images [3, H, W] to float32 in [0, 1], the input torchvision detectors expect."""
    return [image.float() / 255 for image in images]


{% include 'partials/augmentation.py' %}
