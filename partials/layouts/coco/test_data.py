"""The data module reads COCO instances files the way the detector expects its targets."""

import json
from pathlib import Path

import pytest
import torch
from lightning.pytorch import Trainer
from torchvision.io import write_png

from {{ package_name }}.data import CocoDataModule
from {{ package_name }}.demo_data import CLASSES


def write_image(path: Path, height: int, width: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_png(torch.full((3, height, width), 128, dtype=torch.uint8), str(path))


@pytest.fixture
def coco_dir(tmp_path: Path) -> Path:
    """Two images as a COCO tool writes them: category ids 3 and 11, a crowd, an empty image.

    The first object's mask is a polygon, the second's a run-length encoding (RLE): down each
    column, 1260 background pixels (31 columns and 20 rows), then 8 columns of 10 object pixels
    with 30 background pixels between them, then the remaining 850.
    """
    rectangle_rle = {"size": [40, 60], "counts": [1260, *[10, 30] * 7, 10, 850]}
    write_image(tmp_path / "images" / "a.jpg", 40, 60)
    write_image(tmp_path / "images" / "sub" / "b.png", 30, 30)
    coco = {
        "info": {"description": "written by hand"},
        "images": [
            {"id": 7, "file_name": "a.jpg", "width": 60, "height": 40},
            {"id": 9, "file_name": "sub/b.png", "width": 30, "height": 30},
        ],
        "annotations": [
            {
                "id": 1,
                "image_id": 7,
                "category_id": 11,
                "bbox": [10, 5, 20, 15],
                "segmentation": [[10, 5, 30, 5, 30, 20, 10, 20]],
                "iscrowd": 0,
            },
            {
                "id": 2,
                "image_id": 7,
                "category_id": 3,
                "bbox": [30.5, 20, 8, 10],
                "segmentation": rectangle_rle,
                "iscrowd": 0,
            },
            {
                "id": 3,
                "image_id": 7,
                "category_id": 3,
                "bbox": [0, 0, 60, 40],
                "segmentation": {"size": [40, 60], "counts": [0, 2400]},
                "iscrowd": 1,
            },
        ],
        "categories": [{"id": 11, "name": "dog"}, {"id": 3, "name": "cat"}],
    }
    (tmp_path / "annotations").mkdir()
    for split in ("train", "val"):
        (tmp_path / "annotations" / f"{split}.json").write_text(json.dumps(coco))
    return tmp_path


def test_reads_hand_written_coco_with_sparse_category_ids(coco_dir: Path) -> None:
    datamodule = CocoDataModule(data_dir=str(coco_dir), num_workers=0)
    assert datamodule.class_names == ["cat", "dog"]  # in category id order
    assert datamodule.category_ids == [3, 11]
    assert datamodule.num_classes == 2
    datamodule.setup("validate")
    image, target = datamodule.val_set[0]
    assert image.shape == (3, 40, 60)
    assert image.dtype == torch.uint8
    # [x, y, w, h] became [x1, y1, x2, y2]; ids 11 and 3 became labels 2 and 1; the crowd is gone.
    assert target["boxes"].tolist() == [[10, 5, 30, 20], [30.5, 20, 38.5, 30]]
    assert target["labels"].tolist() == [2, 1]
{%- if task == 'instance_segmentation' %}
    # The polygon and the RLE became masks of the image's size, the pixels of their rectangles.
    masks = target["masks"]
    assert masks.shape == (2, 40, 60) and masks.dtype == torch.uint8
    assert masks[0, 5:20, 10:30].all() and masks[0].sum() == 20 * 15
    assert masks[1, 20:30, 31:39].all() and masks[1].sum() == 8 * 10
{%- endif %}
    image, target = datamodule.val_set[1]
    assert image.shape == (3, 30, 30)
    assert target["boxes"].shape == (0, 4)
    assert target["labels"].shape == (0,)
{%- if task == 'instance_segmentation' %}
    assert target["masks"].shape == (0, 30, 30)
{%- endif %}


def test_unknown_category_is_reported(coco_dir: Path) -> None:
    coco = json.loads((coco_dir / "annotations" / "val.json").read_text())
    coco["annotations"][0]["category_id"] = 5
    (coco_dir / "annotations" / "val.json").write_text(json.dumps(coco))
    datamodule = CocoDataModule(data_dir=str(coco_dir), num_workers=0)
    with pytest.raises(ValueError, match="category_id 5"):
        datamodule.setup("validate")


def test_train_batches_are_lists_of_images_and_targets(demo_data_dir: Path) -> None:
    datamodule = CocoDataModule(data_dir=str(demo_data_dir), batch_size=4, num_workers=0)
    datamodule.trainer = Trainer(accelerator="cpu", logger=False)
    datamodule.setup("fit")
    loaded = next(iter(datamodule.train_dataloader()))
    # uint8 in the loader, a quarter of the bytes of floats; floats in [0, 1] on the device.
    assert [image.dtype for image in loaded[0]] == [torch.uint8] * 4
    images, targets = datamodule.on_after_batch_transfer(loaded, 0)
    assert len(images) == len(targets) == 4
    for image, target in zip(images, targets, strict=True):
        assert image.dtype == torch.float32
        assert 0 <= image.min() and image.max() <= 1
        boxes, labels = target["boxes"], target["labels"]
        assert boxes.dtype == torch.float32 and labels.dtype == torch.int64
        assert len(boxes) == len(labels)
        assert set(labels.tolist()) <= set(range(1, len(CLASSES) + 1))
        assert (boxes[:, 2:] > boxes[:, :2]).all()


def test_missing_data_dir_says_how_to_write_demo_data(tmp_path: Path) -> None:
    datamodule = CocoDataModule(data_dir=str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="demo_data"):
        _ = datamodule.num_classes


def broken(coco_dir: Path, change: str) -> CocoDataModule:
    """The data module after one of the mistakes that hand-edited or converted files hold."""
    val_file = coco_dir / "annotations" / "val.json"
    coco = json.loads(val_file.read_text())
    annotation = coco["annotations"][0]
    if change == "truncated json":
        val_file.write_text(json.dumps(coco)[:-40])
        return CocoDataModule(data_dir=str(coco_dir), num_workers=0)
    if change == "no images list":
        del coco["images"]
    elif change == "empty images list":
        coco["images"], coco["annotations"] = [], []
    elif change == "missing image file":
        coco["images"][1]["file_name"] = "sub/gone.png"
    elif change == "duplicate image id":
        coco["images"][1]["id"] = coco["images"][0]["id"]
    elif change == "duplicate file name":
        coco["images"][1]["file_name"] = coco["images"][0]["file_name"]
    elif change == "unknown image_id":
        annotation["image_id"] = 99
    elif change == "zero width":
        annotation["bbox"] = [10, 5, 0, 15]
    elif change == "outside the image":
        annotation["bbox"] = [70, 5, 10, 10]  # the image is 60 pixels wide
    elif change == "a path out of data_dir":
        (coco_dir.parent / "elsewhere.png").write_bytes((coco_dir / "images/a.jpg").read_bytes())
        coco["images"][1]["file_name"] = "../../elsewhere.png"
    val_file.write_text(json.dumps(coco))
    return CocoDataModule(data_dir=str(coco_dir), num_workers=0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("truncated json", r"val\.json is not valid JSON: .* at line 1, column \d+"),
        ("no images list", r"val\.json has no images list"),
        ("empty images list", r"val\.json lists no images"),
        ("missing image file", r"val\.json lists 1 images that do not exist, such as .*gone\.png"),
        ("duplicate image id", r"val\.json: images a\.jpg and sub/b\.png share the id 7"),
        ("duplicate file name", r"val\.json lists a\.jpg twice \(the second with id \d+\)"),
        ("unknown image_id", r"annotation 1 has image_id 99, which its images list lacks"),
        ("zero width", r"annotation 1 has bbox \[10, 5, 0, 15\]; expected \[x, y, width"),
        ("outside the image", r"annotation 1 has bbox \[70, 5, 10, 10\], outside its image a\.jpg"),
        ("a path out of data_dir", r"images/\.\./\.\./elsewhere\.png resolves to .*, outside the"),
    ],
)
def test_broken_annotation_files_are_named(coco_dir: Path, change: str, message: str) -> None:
    datamodule = broken(coco_dir, change)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        datamodule.setup("validate")


def test_an_unreadable_image_fails_by_name_or_is_skipped(coco_dir: Path) -> None:
    (coco_dir / "images" / "sub" / "b.png").write_bytes(b"")
    datamodule = CocoDataModule(data_dir=str(coco_dir), batch_size=2, num_workers=0)
    datamodule.setup("validate")
    with pytest.raises(ValueError, match=r"b\.png cannot be read as an image"):
        next(iter(datamodule.val_dataloader()))
    datamodule.skip_bad_samples = True
    images, _ = next(iter(datamodule.val_dataloader()))
    assert [image.shape for image in images] == [(3, 40, 60)] * 2  # a.jpg stands in for b.png
