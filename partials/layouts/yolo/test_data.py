"""The data module reads YOLO label files the way the detector expects its targets."""

from pathlib import Path

import pytest
import torch
from lightning.pytorch import Trainer
from torchvision.io import write_png

from {{ package_name }}.data import YoloDataModule
from {{ package_name }}.demo_data import CLASSES


def write_image(path: Path, height: int, width: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_png(torch.full((3, height, width), 128, dtype=torch.uint8), str(path))


@pytest.fixture(params=["list", "mapping"])
def yolo_dir(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A split as YOLO tools write it: normalised boxes, and an image with no label file."""
    names = "[cat, dog]" if request.param == "list" else "\n  0: cat\n  1: dog"
    (tmp_path / "data.yaml").write_text(f"train: train/images\nval: val/images\nnames: {names}\n")
    for split in ("train", "val"):
        write_image(tmp_path / split / "images" / "a.jpg", 40, 80)
        write_image(tmp_path / split / "images" / "b.png", 30, 30)
        (tmp_path / split / "labels").mkdir()
        (tmp_path / split / "labels" / "a.txt").write_text(
            "1 0.5 0.5 0.25 0.5\n\n0 0.1 0.125 0.2 0.25\n"
        )
    return tmp_path


def test_reads_hand_written_yolo_labels(yolo_dir: Path) -> None:
    datamodule = YoloDataModule(data_dir=str(yolo_dir), num_workers=0)
    assert datamodule.class_names == ["cat", "dog"]
    assert datamodule.category_ids == [0, 1]
    assert datamodule.num_classes == 2
    datamodule.setup("validate")
    image, target = datamodule.val_set[0]
    assert image.shape == (3, 40, 80)
    assert image.dtype == torch.uint8
    # Centre and size, as fractions of 80 x 40 pixels, became pixel corners; class c is label c + 1.
    assert target["boxes"].tolist() == [[30, 10, 50, 30], [0, 0, 16, 10]]
    assert target["labels"].tolist() == [2, 1]
    image, target = datamodule.val_set[1]  # b.png has no label file: no objects
    assert image.shape == (3, 30, 30)
    assert target["boxes"].shape == (0, 4)
    assert target["labels"].shape == (0,)


def test_bad_label_line_is_reported(yolo_dir: Path) -> None:
    (yolo_dir / "val" / "labels" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.2 0.2\n")
    datamodule = YoloDataModule(data_dir=str(yolo_dir), num_workers=0)
    with pytest.raises(ValueError, match="a.txt, line 2"):
        datamodule.setup("validate")


def test_train_batches_are_lists_of_images_and_targets(demo_data_dir: Path) -> None:
    datamodule = YoloDataModule(data_dir=str(demo_data_dir), batch_size=4, num_workers=0)
    datamodule.trainer = Trainer(accelerator="cpu", logger=False)
    datamodule.setup("fit")
    loaded = next(iter(datamodule.train_dataloader()))
    # uint8 in the loader, a quarter of the bytes of floats; floats in [0, 1] on the device.
    assert [image.dtype for image in loaded[0]] == [torch.uint8] * 4
    images, targets = datamodule.on_after_batch_transfer(loaded, 0)
    assert datamodule.class_names == list(CLASSES)
    assert len(images) == len(targets) == 4
    for image, target in zip(images, targets, strict=True):
        assert image.dtype == torch.float32
        assert 0 <= image.min() and image.max() <= 1
        boxes, labels = target["boxes"], target["labels"]
        assert boxes.dtype == torch.float32 and labels.dtype == torch.int64
        assert len(boxes) == len(labels)
        assert set(labels.tolist()) <= set(range(1, len(CLASSES) + 1))
        assert (boxes[:, 2:] > boxes[:, :2]).all()


def test_missing_data_yaml_says_how_to_write_demo_data(tmp_path: Path) -> None:
    datamodule = YoloDataModule(data_dir=str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="demo_data"):
        _ = datamodule.num_classes


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("0 0.5 0.5 0.2", "4 values instead of 5"),
        ("0 0.5 0.5 0.2 0.2 0.9 0.9", "7 values instead of 5"),
        ("cat 0.5 0.5 0.2 0.2", "a value is not a number"),
        ("2 0.5 0.5 0.2 0.2", "class 2 is not an index below 2"),
        ("0 1.5 0.5 0.2 0.2", "box values are fractions of the image size"),
        ("0 0.5 0.5 0 0.2", "box values are fractions of the image size"),
        ("0 0.5 -0.1 0.2 0.2", "box values are fractions of the image size"),
    ],
)
def test_bad_label_lines_name_the_problem(yolo_dir: Path, line: str, problem: str) -> None:
    (yolo_dir / "val" / "labels" / "a.txt").write_text(f"0 0.5 0.5 0.2 0.2\n{line}\n")
    datamodule = YoloDataModule(data_dir=str(yolo_dir), num_workers=0)
    with pytest.raises(ValueError, match=rf"a\.txt, line 2: {problem}"):
        datamodule.setup("validate")


def test_an_empty_split_is_named(yolo_dir: Path) -> None:
    for image in (yolo_dir / "val" / "images").iterdir():
        image.unlink()
    datamodule = YoloDataModule(data_dir=str(yolo_dir), num_workers=0)
    with pytest.raises(FileNotFoundError, match=r"data\.yaml, val: no images found in val/images"):
        datamodule.setup("validate")


def test_ultralytics_layout_and_image_lists_as_data_yaml_names_them(yolo_dir: Path) -> None:
    """``images/<split>`` with ``labels/<split>`` beside it, as Ultralytics lays datasets out,
    named as Roboflow's exports name them (``../``), and a split listed in a text file."""
    for split in ("train", "val"):
        for kind in ("images", "labels"):
            (yolo_dir / kind).mkdir(exist_ok=True)
            (yolo_dir / split / kind).rename(yolo_dir / kind / split)
    (yolo_dir / "val.txt").write_text("./images/val/a.jpg\nimages/val/b.png\n")
    names = (yolo_dir / "data.yaml").read_text().partition("names:")[2]
    (yolo_dir / "data.yaml").write_text(f"train: ../images/train\nval: val.txt\nnames:{names}")
    datamodule = YoloDataModule(data_dir=str(yolo_dir), num_workers=0)
    datamodule.setup("fit")
    for split in (datamodule.train_set, datamodule.val_set):
        assert [path.name for path, *_ in split.samples] == ["a.jpg", "b.png"]
        assert split[0][1]["labels"].tolist() == [2, 1]  # from labels/<split>/a.txt
    (yolo_dir / "data.yaml").write_text(f"train: images/train\nval: images/valid\nnames:{names}")
    with pytest.raises(FileNotFoundError, match=r"data\.yaml, val: .*images/valid does not exist"):
        YoloDataModule(data_dir=str(yolo_dir), num_workers=0).setup("validate")


def test_an_unreadable_image_fails_by_name_or_is_skipped(yolo_dir: Path) -> None:
    (yolo_dir / "val" / "images" / "b.png").write_text("not an image")
    datamodule = YoloDataModule(data_dir=str(yolo_dir), batch_size=2, num_workers=0)
    datamodule.setup("validate")
    with pytest.raises(ValueError, match=r"b\.png cannot be read as an image"):
        next(iter(datamodule.val_dataloader()))
    datamodule.skip_bad_samples = True
    images, _ = next(iter(datamodule.val_dataloader()))
    assert [image.shape for image in images] == [(3, 40, 80)] * 2  # a.jpg stands in for b.png
