"""The data module reads image and mask folders the way the model expects them."""

from pathlib import Path

import pytest
import torch
from lightning.pytorch import Trainer
from PIL import Image
from torchvision import tv_tensors
from torchvision.io import write_jpeg, write_png

from {{ package_name }}.data import MaskFolderDataModule, MaskFolders, PredictImages
from {{ package_name }}.demo_data import CLASS_NAMES, IGNORE_INDEX
from {{ package_name }}.transforms import EvalTransform, TrainTransform

# A hand-made 8x8 mask: classes 0, 1 and 2 in bands, one pixel marked "don't care".
MASK = torch.tensor([0, 0, 1, 1, 1, 2, 2, 0], dtype=torch.uint8).repeat(8, 1)
MASK[3, 4] = 255


def test_batches_are_normalised_images_with_class_index_masks(demo_data_dir: Path) -> None:
    datamodule = MaskFolderDataModule(
        class_names=list(CLASS_NAMES),
        data_dir=str(demo_data_dir),
        image_size=24,
        batch_size=4,
        num_workers=0,
    )
    datamodule.trainer = Trainer(accelerator="cpu", logger=False)
    datamodule.setup("fit")
    loaded = next(iter(datamodule.train_dataloader()))
    # The loader's uint8 images and masks are a quarter and an eighth of the bytes of the
    # floats and int64 masks that the batch-transfer hook makes of them on the device.
    assert [tensor.dtype for tensor in loaded] == [torch.uint8, torch.uint8]
    images, masks = datamodule.on_after_batch_transfer(loaded, 0)
    assert datamodule.num_classes == len(CLASS_NAMES)
    assert images.shape == (4, 3, 24, 24)
    assert images.dtype == torch.float32
    assert masks.shape == (4, 24, 24)
    assert masks.dtype == torch.int64
    assert set(masks.unique().tolist()) <= {*range(len(CLASS_NAMES)), IGNORE_INDEX}
    assert -3 < images.mean() < 3


def test_reads_grayscale_palette_and_rgb_masks(tmp_path: Path) -> None:
    """Masks as other tools write them; an RGB mask's first channel holds the classes."""
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    image = torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8)
    write_png(image, str(tmp_path / "images" / "gray.png"))
    write_png(MASK[None], str(tmp_path / "masks" / "gray.png"))
    write_jpeg(image, str(tmp_path / "images" / "rgb.jpg"))
    write_png(torch.stack([MASK, MASK * 50, 255 - MASK]), str(tmp_path / "masks" / "rgb.png"))
    write_png(image, str(tmp_path / "images" / "palette.png"))
    palette = Image.fromarray(MASK.numpy(), mode="P")
    palette.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [224, 224, 192] * 253)
    palette.save(tmp_path / "masks" / "palette.png")

    dataset = MaskFolders(tmp_path, EvalTransform(image_size=8))
    assert len(dataset) == 3
    for index in range(3):
        image, mask = dataset[index]
        assert image.shape == (3, 8, 8)
        assert torch.equal(mask, MASK), dataset.samples[index]


def test_train_transform_moves_the_mask_with_the_image() -> None:
    """Crops and flips land on the same pixels of image and mask."""
    mask = torch.zeros(64, 64, dtype=torch.uint8)
    mask[:, :20] = 1
    mask[40:, 30:] = 2
    image = (mask * 100).expand(3, -1, -1)
    transform = TrainTransform(image_size=32)
    for _ in range(10):
        image_out, mask_out = transform(tv_tensors.Image(image), tv_tensors.Mask(mask))
        # The image is resized with interpolation: away from edges its value gives the class.
        classes_in_image = (image_out[0] / 100).round().to(torch.uint8)
        assert (classes_in_image == mask_out).float().mean() > 0.9


def test_image_without_mask_is_named(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    write_png(torch.zeros(3, 8, 8, dtype=torch.uint8), str(tmp_path / "images" / "alone.png"))
    with pytest.raises(FileNotFoundError, match="alone.png"):
        MaskFolders(tmp_path, EvalTransform(image_size=8))


def test_predict_images_keep_their_original_size(tmp_path: Path) -> None:
    write_png(torch.zeros(3, 10, 30, dtype=torch.uint8), str(tmp_path / "wide.png"))
    image, path, size = PredictImages(tmp_path, EvalTransform(image_size=16))[0]
    assert image.shape == (3, 16, 16)
    assert path.endswith("wide.png")
    assert size.tolist() == [10, 30]


def test_missing_data_dir_says_how_to_write_demo_data(tmp_path: Path) -> None:
    datamodule = MaskFolderDataModule(class_names=["a", "b"], data_dir=str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="demo_data"):
        datamodule.setup("fit")


def write_pair(root: Path, name: str, mask: torch.Tensor) -> None:
    """An 8x8 black image and its mask."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(parents=True, exist_ok=True)
    write_png(torch.zeros(3, 8, 8, dtype=torch.uint8), str(root / "images" / f"{name}.png"))
    write_png(mask[None], str(root / "masks" / f"{name}.png"))


def test_a_mask_of_another_size_than_its_image_is_named(tmp_path: Path) -> None:
    write_pair(tmp_path, "small", MASK[:4, :6])
    with pytest.raises(ValueError, match=r"small\.png is 6x4 pixels but its image is 8x8"):
        MaskFolders(tmp_path, EvalTransform(image_size=8))[0]


def test_mask_values_outside_the_classes_are_named(tmp_path: Path) -> None:
    write_pair(tmp_path, "stray", torch.where(MASK == 2, 7, MASK))  # 7 of 3 classes; 255 is fine
    dataset = MaskFolders(tmp_path, EvalTransform(image_size=8), num_classes=3)
    with pytest.raises(ValueError, match=r"stray\.png has mask values \[7\]; mask values are"):
        dataset[0]
    assert MaskFolders(tmp_path, EvalTransform(image_size=8), num_classes=8)[0][1].max() == 255


def test_an_unreadable_mask_fails_by_name_or_is_skipped(tmp_path: Path) -> None:
    for split in ("train", "val"):
        write_pair(tmp_path / split, "a", MASK)
        write_pair(tmp_path / split, "b", MASK)
        (tmp_path / split / "masks" / "b.png").write_bytes(b"")
    datamodule = MaskFolderDataModule(
        class_names=["a", "b", "c"], data_dir=str(tmp_path), image_size=8, num_workers=0
    )
    datamodule.setup("validate")
    with pytest.raises(ValueError, match=r"b\.png cannot be read as an image"):
        next(iter(datamodule.val_dataloader()))
    datamodule.skip_bad_samples = True
    images, masks = next(iter(datamodule.val_dataloader()))
    assert images.shape == (2, 3, 8, 8) and torch.equal(masks[1], MASK.long())


@pytest.mark.parametrize("class_file", ["classes.txt", "labels.txt", None])
def test_the_data_names_its_classes(
    tmp_path: Path, class_file: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    write_pair(tmp_path / "train", "a", MASK)
    write_pair(tmp_path / "train", "b", torch.where(MASK == 2, 4, MASK))  # class 3 not drawn
    if class_file:
        (tmp_path / class_file).write_text("sky\nroad\n\ncar\nbike\nbus\n")
    datamodule = MaskFolderDataModule(data_dir=str(tmp_path), num_workers=0)
    if class_file:
        assert datamodule.class_names == ["sky", "road", "car", "bike", "bus"]
    else:
        assert datamodule.class_names == [f"class_{value}" for value in range(5)]
        assert "has no classes.txt: naming the classes by their mask values" in caplog.text
    given = MaskFolderDataModule(class_names=["a", "b", "c", "d", "e", "f"], data_dir=str(tmp_path))
    assert given.num_classes == 6


def test_masks_of_0_and_255_alone_are_refused_without_class_names(tmp_path: Path) -> None:
    write_pair(tmp_path / "train", "a", torch.where(MASK > 0, 255, 0).to(torch.uint8))
    with pytest.raises(ValueError, match=r"hold no class but 0, and 255 marks pixels of no class"):
        _ = MaskFolderDataModule(data_dir=str(tmp_path)).class_names


def test_a_class_file_without_names_is_named(tmp_path: Path) -> None:
    write_pair(tmp_path / "train", "a", MASK)
    (tmp_path / "classes.txt").write_text("\n\n")
    with pytest.raises(ValueError, match=r"classes\.txt names no class"):
        _ = MaskFolderDataModule(data_dir=str(tmp_path)).class_names
