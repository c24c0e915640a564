"""Reading image files and sizing loader pools: what every split and layout shares."""

import os
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import Dataset
from torchvision.io import ImageReadMode, decode_image

# The formats torchvision.io.decode_image reads.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def is_image_file(path: str | Path) -> bool:
    """Whether ``decode_image`` can read the file, judged by its extension."""
    return str(path).lower().endswith(IMAGE_EXTENSIONS)


def read_rgb(path: str | Path) -> torch.Tensor:
    """Decode an image file to a uint8 RGB tensor of shape [3, H, W], without PIL."""
    return decode_image(str(path), mode=ImageReadMode.RGB)


def default_num_workers(devices: int) -> int:
    """Share the CPU cores this process may use among the devices, at most 8 workers each."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(8, (cores or 1) // devices))


class ImageFiles(Dataset):
    """Every image below a folder, for prediction; yields (transformed image, path)."""

    def __init__(self, root: Path, transform: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.paths = sorted(path for path in root.rglob("*") if is_image_file(path))
        if not self.paths:
            raise FileNotFoundError(f"No images ({', '.join(IMAGE_EXTENSIONS)}) found in {root}.")
        self.transform = transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        path = str(self.paths[index])
        return self.transform(read_rgb(path)), path
