"""Reading image files and sizing loader pools: what every split and layout shares."""

import logging
import os
import re
import warnings
from collections.abc import Callable, Iterable
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch.utils.data import Dataset
from torchvision.io import ImageReadMode, decode_image
from torchvision.transforms.v2.functional import pil_to_tensor, to_dtype

log = logging.getLogger(__name__)

# The formats torchvision.io.decode_image reads, and those Pillow decodes for it.
PILLOW_EXTENSIONS = (".bmp", ".tif", ".tiff")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", *PILLOW_EXTENSIONS)
# Larger images are refused from their header, before decoding: a file of a few hundred KB can
# declare 50000 x 50000 pixels, 7.5 GB once decoded, in every loader process at once. Raise it
# for large scans or satellite tiles.
MAX_PIXELS = 50_000_000


def is_image_file(path: str | Path) -> bool:
    """Whether ``decode_image`` can read the file, judged by its extension; hidden files (a
    leading ``.``, such as macOS's ``._*`` AppleDouble files) are not data."""
    name = Path(path).name
    return name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith(".")


class BadImageError(ValueError):
    """An image file that cannot be decoded: missing, empty, truncated or not an image."""


def check_pixel_count(header: BinaryIO, name: str | Path) -> None:
    """Raise BadImageError if the image's header declares more than ``MAX_PIXELS`` pixels."""
    try:
        # Pillow's notes on large or odd headers: this check and the decoding say what matters.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(header) as opened:
                width, height = opened.size
    except Image.DecompressionBombError:
        width = height = None  # Pillow's own limit, far above this one
    except (OSError, UnidentifiedImageError):
        return  # decode_image says what is wrong with it
    if width is None or width * height > MAX_PIXELS:
        size = "more pixels than Pillow opens" if width is None else f"{width} x {height} pixels"
        raise BadImageError(
            f"{name} declares {size}, over images.MAX_PIXELS ({MAX_PIXELS:,}); shrink it, raise "
            "MAX_PIXELS in images.py, or set data.skip_bad_samples: true to skip such files."
        )


def read_image(path: str | Path, mode: ImageReadMode, data: bytes | None = None) -> torch.Tensor:
    """Decode an image file (or ``data``, its bytes in memory, named ``path``) upright, as its
    EXIF orientation says and photo viewers show it, an animation as its first frame; raise
    BadImageError naming it if it cannot be decoded or is too large."""
    try:
        if data is None:
            data = Path(path).read_bytes()  # once, for the header check and the decoding
        if not data:
            raise OSError("the file is empty")
        check_pixel_count(BytesIO(data), name=path)
        if str(path).lower().endswith(PILLOW_EXTENSIONS):
            image = decode_with_pillow(BytesIO(data), mode)
        else:
            encoded = torch.frombuffer(bytearray(data), dtype=torch.uint8)
            image = decode_image(encoded, mode=mode, apply_exif_orientation=True)
    except (RuntimeError, OSError, UnidentifiedImageError) as error:
        # torchvision's messages start with the C++ function, file and line.
        reason = re.sub(r"^\w+, \S+:\d+, ", "", str(error)).strip()
        raise BadImageError(
            f"{path} cannot be read as an image ({reason}); fix or remove it, or set "
            "data.skip_bad_samples: true to skip such files with a warning."
        ) from None
    return image[0] if image.ndim == 4 else image  # an animated GIF's frames: the first


def decode_with_pillow(source: BinaryIO, mode: ImageReadMode) -> torch.Tensor:
    """A BMP or TIFF image, which torchvision.io cannot decode, as ``decode_image`` returns
    others: upright, [C, H, W], in ``mode`` (a palette image unchanged keeps its indices)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a damaged file fails below, with the reason
        with Image.open(source) as opened:
            image = ImageOps.exif_transpose(opened)
            if mode == ImageReadMode.RGB:
                image = image.convert("RGB")
            elif mode == ImageReadMode.GRAY:
                image = image.convert("L")
            return pil_to_tensor(image)


def read_rgb(path: str | Path, data: bytes | None = None) -> torch.Tensor:
    """Decode an image file (or its bytes, ``data``) to a uint8 RGB tensor [3, H, W].

    Grayscale, palette and RGBA images become RGB (alpha is dropped) and 16-bit images are
    scaled to 8 bits, so every image of a dataset arrives in the same form.
    """
    image = read_image(path, ImageReadMode.RGB, data)
    if image.dtype != torch.uint8:
        image = to_dtype(image, torch.uint8, scale=True)
    return image


class SkipBadSamples(Dataset):
    """A dataset whose samples with unreadable images are replaced by the next readable one.

    Each skipped file is logged as a warning; the dataset keeps its length, so epochs do not
    change size. Other attributes are the wrapped dataset's.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Any:
        for offset in range(len(self)):
            try:
                return self.dataset[(index + offset) % len(self)]
            except BadImageError as error:
                log.warning("Skipping a sample: %s", str(error).partition("; ")[0])
        raise BadImageError("None of the dataset's images can be read.")

    def __getattr__(self, name: str) -> Any:
        if name == "dataset":  # not set yet while a loader worker unpickles it
            raise AttributeError(name)
        return getattr(self.dataset, name)


def default_num_workers(devices: int) -> int:
    """Share the CPU cores this process may use among the devices, at most 8 workers each."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(8, (cores or 1) // devices))


def is_data_folder(name: str) -> bool:
    """Whether a folder of this name can hold data: hidden folders (a leading ``.``, such as
    ``.ipynb_checkpoints``) and macOS's ``__MACOSX`` cannot."""
    return not name.startswith(".") and name != "__MACOSX"


def is_hidden(path: Path, root: Path) -> bool:
    """Whether ``path`` lies in a folder below ``root`` that holds no data."""
    folders = path.relative_to(root).parts[:-1] if path != root else ()
    return not all(is_data_folder(folder) for folder in folders)


def is_image_below(root: Path, path: str | Path) -> bool:
    """Whether ``path`` is an image file in a data folder below ``root``."""
    return is_image_file(path) and not is_hidden(Path(path), root)


def check_inside(paths: Iterable[Path], root: Path) -> None:
    """Raise ValueError if a file resolves (through ``..`` or a symbolic link, or being
    absolute) outside ``root``: a dataset reads its own files, not others' without a word."""
    top = root.resolve()
    outside = [path for path in paths if not path.resolve().is_relative_to(top)]
    if outside:
        more = f" (and {len(outside) - 1} more files)" if len(outside) > 1 else ""
        raise ValueError(
            f"{outside[0]} resolves to {outside[0].resolve()}, outside the dataset folder "
            f"{root}{more}; keep the files below it, or set data.allow_outside_paths: true to "
            "read them where they are (a shared image folder, a DVC or git-annex cache)."
        )


class ImageFiles(Dataset):
    """Every image below a folder (or one image file), for prediction; yields (transformed
    image, path)."""

    def __init__(self, root: Path, transform: Callable[[torch.Tensor], torch.Tensor]) -> None:
        candidates = [root] if root.is_file() else root.rglob("*")
        self.paths = sorted(path for path in candidates if is_image_below(root, path))
        if not self.paths:
            raise FileNotFoundError(f"No images ({', '.join(IMAGE_EXTENSIONS)}) found in {root}.")
        self.transform = transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        path = str(self.paths[index])
        return self.transform(read_rgb(path)), path
