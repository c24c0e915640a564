"""The data module reads the class folders the way the model expects them."""

from pathlib import Path

import pytest
import torch
from lightning.pytorch import Trainer
from torchvision.io import write_png
from torchvision.transforms import v2

from {{ package_name }}.data import ImageFolderDataModule
from {{ package_name }}.demo_data import CLASSES
from {{ package_name }}.transforms import IMAGENET_MEAN, IMAGENET_STD


def test_batches_are_uint8_images_with_class_indices(demo_data_dir: Path) -> None:
    datamodule = ImageFolderDataModule(
        data_dir=str(demo_data_dir), image_size=24, batch_size=4, num_workers=0
    )
    datamodule.setup("fit")
    images, labels = next(iter(datamodule.train_dataloader()))
    assert datamodule.class_names == sorted(CLASSES)
    assert images.shape == (4, 3, 24, 24)
    assert images.dtype == torch.uint8  # a quarter of the bytes of floats to load and transfer
    assert labels.dtype == torch.int64
    assert set(labels.tolist()) <= set(range(len(CLASSES)))


@pytest.mark.parametrize(
    ("precision", "dtype", "tolerance"),
    [("32-true", torch.float32, 1e-5), ("bf16-true", torch.bfloat16, 0.02)],
)
def test_on_the_device_images_become_normalised_floats_of_the_models_precision(
    demo_data_dir: Path, precision: str, dtype: torch.dtype, tolerance: float
) -> None:
    datamodule = ImageFolderDataModule(
        data_dir=str(demo_data_dir), image_size=24, batch_size=4, num_workers=0
    )
    datamodule.trainer = Trainer(accelerator="cpu", precision=precision, logger=False)
    datamodule.setup("fit")
    images, labels = next(iter(datamodule.train_dataloader()))
    normalised, same_labels = datamodule.on_after_batch_transfer((images, labels), 0)
    expected = v2.Normalize(IMAGENET_MEAN, IMAGENET_STD)(images.float() / 255)
    assert normalised.dtype == dtype
    assert torch.allclose(normalised.float(), expected, atol=tolerance)
    assert torch.equal(same_labels, labels)


def test_missing_data_dir_says_how_to_write_demo_data(tmp_path: Path) -> None:
    datamodule = ImageFolderDataModule(data_dir=str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="demo_data"):
        _ = datamodule.num_classes


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    """Two classes in train and val, an image each."""
    for split in ("train", "val"):
        for name in ("cat", "dog"):
            (tmp_path / split / name).mkdir(parents=True)
            image = torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8)
            write_png(image, str(tmp_path / split / name / "a.png"))
    return tmp_path


def test_an_empty_class_folder_in_train_is_named_with_its_split(folders: Path) -> None:
    (folders / "train" / "dog" / "a.png").unlink()
    datamodule = ImageFolderDataModule(data_dir=str(folders), num_workers=0)
    with pytest.raises(FileNotFoundError, match=r"train: Found no valid file for the classes dog"):
        datamodule.setup("fit")


def test_a_split_may_lack_a_rare_class_with_a_warning(
    folders: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (folders / "val" / "dog" / "a.png").unlink()
    datamodule = ImageFolderDataModule(data_dir=str(folders), num_workers=0)
    datamodule.setup("validate")
    assert len(datamodule.val_set) == 1
    assert "val has no images of the classes dog" in caplog.text


def test_hidden_files_and_folders_are_not_data(folders: Path) -> None:
    junk = ["._a.png", ".ipynb_checkpoints/a-checkpoint.png", "__MACOSX/._a.png"]
    for split in ("train", "val"):
        for name in [*junk, *(f"cat/{path}" for path in junk)]:
            (folders / split / name).parent.mkdir(parents=True, exist_ok=True)
            write_png(torch.zeros(3, 8, 8, dtype=torch.uint8), str(folders / split / name))
    datamodule = ImageFolderDataModule(data_dir=str(folders), num_workers=0)
    assert datamodule.class_names == ["cat", "dog"]
    datamodule.setup("fit")
    assert len(datamodule.train_set) == len(datamodule.val_set) == 2


def test_an_unreadable_image_fails_by_name_or_is_skipped(folders: Path) -> None:
    (folders / "val" / "dog" / "a.png").write_text("not an image")
    datamodule = ImageFolderDataModule(
        data_dir=str(folders), image_size=8, batch_size=2, num_workers=0
    )
    datamodule.setup("validate")
    with pytest.raises(ValueError, match=r"dog/a\.png cannot be read as an image"):
        next(iter(datamodule.val_dataloader()))

    datamodule.skip_bad_samples = True
    images, labels = next(iter(datamodule.val_dataloader()))
    assert images.shape == (2, 3, 8, 8)
    assert labels.tolist() == [0, 0]  # the cat image stands in for the unreadable dog
