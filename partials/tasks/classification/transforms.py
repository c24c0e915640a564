"""Train and evaluation transforms, and the normalisation that follows them on the device.

The loader processes decode, crop and flip uint8 images and batch them as uint8. Only once a
batch is on the device does ``Normalize`` turn it into floats (the data module's
``on_after_batch_transfer``): the workers, the pinned copy and the transfer to the GPU handle a
quarter of the bytes of float images, and the float arithmetic runs on the accelerator.
"""

import torch
from torchvision.transforms import v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TrainTransform:
    """Random resized crop and horizontal flip of a uint8 image."""

    def __init__(self, *, image_size: int, min_crop_scale: float = 0.6) -> None:
        self.transform = v2.Compose(
            [
                v2.RandomResizedCrop(image_size, scale=(min_crop_scale, 1.0), antialias=True),
                v2.RandomHorizontalFlip(),
            ]
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


{% include 'partials/normalize.py' %}
