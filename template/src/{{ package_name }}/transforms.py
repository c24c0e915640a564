"""Train and evaluation transforms.

Geometry runs on uint8 images, which is cheaper than on floats; conversion to float and
normalisation come last.
"""

import torch
from torchvision.transforms import v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TrainTransform:
    """Random resized crop and horizontal flip, then normalisation."""

    def __init__(
        self,
        *,
        image_size: int,
        min_crop_scale: float = 0.6,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
    ) -> None:
        self.transform = v2.Compose(
            [
                v2.RandomResizedCrop(image_size, scale=(min_crop_scale, 1.0), antialias=True),
                v2.RandomHorizontalFlip(),
                v2.ToDtype(torch.float32, scale=True),
                v2.Normalize(mean, std),
            ]
        )

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return self.transform(image)


class EvalTransform:
    """Resize the short side and centre-crop to a square, then normalise."""

    def __init__(
        self,
        *,
        image_size: int,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
    ) -> None:
        self.transform = v2.Compose(
            [
                v2.Resize(image_size, antialias=True),
                v2.CenterCrop(image_size),
                v2.ToDtype(torch.float32, scale=True),
                v2.Normalize(mean, std),
            ]
        )

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return self.transform(image)
