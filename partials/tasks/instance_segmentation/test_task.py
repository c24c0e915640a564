"""This task's own pieces: masks from COCO segmentations and back, transforms, report images."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from faster_coco_eval.core import mask as coco_mask
from torchvision import tv_tensors

from {{ package_name }}.callbacks import encode_mask, run_lengths
from {{ package_name }}.data import CocoDataModule, decode_segmentation
from {{ package_name }}.plots import spread_over
from {{ package_name }}.transforms import EvalTransform, TrainTransform

# Shapes a COCO polygon may have: on the pixel grid, concave, in two parts, past the image.
POLYGONS = [
    [[1, 1, 3, 1, 3, 3, 1, 3]],
    [[2.5, 1.2, 17.8, 3.1, 9.4, 8.0, 16.2, 14.7, 1.3, 12.9]],
    [[0.3, 0.2, 6.6, 0.4, 0.1, 6.3], [10.2, 8.1, 19.9, 8.1, 19.9, 11.6, 10.2, 11.6]],
    [[-3, -2, 25, 4, 8, 20]],
]


def random_masks(count: int, height: int, width: int) -> torch.Tensor:
    """Blobs of random size and place, one per mask, some touching the image's edges."""
    generator = torch.Generator().manual_seed(0)
    ys, xs = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    centres = torch.rand(count, 2, generator=generator) * torch.tensor([width, height])
    radii = 1 + torch.rand(count, generator=generator) * width / 3
    distances = (xs - centres[:, :1, None]) ** 2 + (ys - centres[:, 1:, None]) ** 2
    return distances <= radii[:, None, None] ** 2


def test_the_predictions_come_from_across_the_validation_set() -> None:
    assert spread_over(100, 4) == [0, 25, 50, 75]
    assert spread_over(3, 16) == [0, 1, 2]


@pytest.mark.parametrize("polygons", POLYGONS)
def test_polygons_fill_the_pixels_pycocotools_fills(polygons: list[list[float]]) -> None:
    height, width = 16, 21
    mask = decode_segmentation(polygons, height, width)
    assert mask.shape == (height, width) and mask.dtype == torch.uint8
    expected = coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects(polygons, height, width)))
    differ = (mask.numpy() != expected).sum()
    # Both take the pixels mostly inside; they may disagree on one about half inside.
    assert differ <= max(1, 0.02 * expected.sum()), f"{differ} of {expected.sum()} pixels differ"


def test_run_lengths_round_trip_as_coco_reads_and_writes_them() -> None:
    height, width = 23, 37
    for mask in [*random_masks(20, height, width), torch.zeros(height, width, dtype=torch.bool)]:
        encoded = encode_mask(mask)
        expected = coco_mask.encode(np.asfortranarray(mask.numpy().astype(np.uint8)))
        assert encoded["size"] == expected["size"] == [height, width]
        assert encoded["counts"] == expected["counts"].decode()  # byte for byte
        assert torch.equal(decode_segmentation(encoded, height, width).bool(), mask)
        uncompressed = {"size": [height, width], "counts": run_lengths(mask)}
        assert torch.equal(decode_segmentation(uncompressed, height, width).bool(), mask)


def test_masks_move_and_go_with_their_boxes() -> None:
    image = tv_tensors.Image(torch.zeros(3, 40, 60, dtype=torch.uint8))
    masks = torch.zeros(3, 40, 60, dtype=torch.uint8)
    masks[0, 30:, 50:], masks[1, :10, 61:], masks[2, :20, :20] = 1, 1, 1
    target = {
        "boxes": tv_tensors.BoundingBoxes(
            [[50, 30, 70, 45], [61, 0, 80, 10], [0, 0, 20, 20]], format="XYXY", canvas_size=(40, 60)
        ),
        "labels": torch.tensor([1, 2, 3]),
        "masks": tv_tensors.Mask(masks),
    }
    _, clean = EvalTransform()(image, target)
    # The second box lies outside the image: its label and mask go with it.
    assert clean["labels"].tolist() == [1, 3]
    assert torch.equal(clean["masks"], masks[[0, 2]])
    # Training moves each mask with its box: a pixel apart at most, as nearest-neighbour
    # resampling leaves the mask and the box's corners round differently.
    train_transform = TrainTransform(translate=0.4)
    for _ in range(20):
        _, augmented = train_transform(image, clean)
        kept = augmented["masks"]
        assert kept.shape[1:] == (40, 60)
        assert len(kept) == len(augmented["boxes"]) == len(augmented["labels"])
        for mask, box in zip(kept, augmented["boxes"].tolist(), strict=True):
            x1, y1 = (max(math.floor(value) - 1, 0) for value in box[:2])
            x2, y2 = (math.ceil(value) + 1 for value in box[2:])
            outside = mask.clone()
            outside[y1:y2, x1:x2] = 0
            assert not outside.any(), "a mask left its box"


def test_the_data_module_reads_masks_that_match_the_demo_shapes(demo_data_dir: Path) -> None:
    datamodule = CocoDataModule(data_dir=str(demo_data_dir), num_workers=0)
    datamodule.setup("validate")
    for index in range(len(datamodule.val_set)):
        image, target = datamodule.val_set[index]
        masks, boxes = target["masks"], target["boxes"]
        assert masks.dtype == torch.uint8 and masks.shape == (len(boxes), *image.shape[-2:])
        # What is visible of each shape, painted brighter than the background; neighbouring
        # pieces share a pixel their edge runs through, no more.
        assert (masks.sum(dim=0) > 1).sum() <= 0.05 * masks.sum()
        for mask in masks.bool():
            assert mask.any()
            assert image[:, mask].float().max(dim=0).values.mean() > 100


def test_a_bad_segmentation_is_named(demo_data_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "annotations").mkdir(parents=True)
    (root / "images").symlink_to(demo_data_dir / "images")
    for split in ("train", "val"):
        coco = json.loads((demo_data_dir / "annotations" / f"{split}.json").read_text())
        if split == "val":
            coco["annotations"][0]["segmentation"] = [[1, 2, 3]]
        (root / "annotations" / f"{split}.json").write_text(json.dumps(coco))
    datamodule = CocoDataModule(data_dir=str(root), num_workers=0)
    with pytest.raises(ValueError, match=r"annotation 1 has segmentation \[\[1, 2, 3\]\]"):
        datamodule.setup("validate")
