"""Train and evaluation transforms that keep regression targets true, and the normalisation.

A crop would change targets measured on the whole image, such as how many objects it shows or
how much of it they cover, so both transforms resize the whole image to a square instead;
training adds the augmentation (horizontal flips unless the configuration says otherwise).
The loader processes transform and batch uint8 images; only once a batch is on the device
does ``Normalize`` turn it into floats (the data module's ``on_after_batch_transfer``), so the
workers and the transfer to the GPU handle a quarter of the bytes of float images.
"""

import difflib
import importlib
from typing import Any

import torch
from torchvision.transforms import v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TrainTransform:
    """Resize a uint8 image to a square, then the augmentation (by default a horizontal flip).

    Args:
        image_size: Side of the square.
        augment: torchvision v2 transforms applied after the resize; None flips horizontally.
    """

    def __init__(self, *, image_size: int, augment: list[v2.Transform] | None = None) -> None:
        augment = default_augmentation() if augment is None else augment
        self.transform = v2.Compose([v2.Resize((image_size, image_size), antialias=True), *augment])

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return self.transform(image)


class EvalTransform:
    """Resize a uint8 image to a square."""

    def __init__(self, *, image_size: int) -> None:
        self.transform = v2.Resize((image_size, image_size), antialias=True)

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return self.transform(image)


{% include 'partials/augmentation.py' %}


{% include 'partials/normalize.py' %}
