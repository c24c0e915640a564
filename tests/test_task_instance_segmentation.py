"""Instance segmentation projects: demo data with masks, a short fit, predictions with masks."""

import csv
import json
from pathlib import Path

import pytest
import torch
from faster_coco_eval.core import mask as coco_mask
from torchvision.ops import box_iou, masks_to_boxes

from tests.helpers import DETECTOR_FAST, fit_detector_one_step, render, run_project_python

PACKAGE = "shapes_mask_detector"
IMAGE_SIZE = 48  # not the detector's min_size: masks must come back in the image's pixels
CATEGORY_IDS = {"circle": 1, "square": 3, "triangle": 7}


def test_the_demo_writes_the_visible_part_of_overlapping_shapes(tmp_path: Path) -> None:
    """Shapes hide parts of others: each segmentation is what is left visible, its box too."""
    project = render(tmp_path / "project", task="instance_segmentation")
    demo = run_project_python(
        project,
        "-m",
        f"{PACKAGE}.demo_data",
        "data",
        "--train-images=40",
        "--val-images=1",
        "--test-images=1",
    )
    assert demo.returncode == 0, demo.stderr
    coco = json.loads((project / "data/annotations/train.json").read_text())
    overlapping = hidden = 0
    for image in coco["images"]:
        annotations = [a for a in coco["annotations"] if a["image_id"] == image["id"]]
        size = image["height"], image["width"]
        masks = [
            torch.from_numpy(
                coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects(a["segmentation"], *size)))
            )
            for a in annotations
        ]
        for annotation, mask in zip(annotations, masks, strict=True):
            x, y, width, height = annotation["bbox"]
            box = masks_to_boxes(mask[None])[0] + torch.tensor([0, 0, 1, 1])
            assert box.tolist() == pytest.approx([x, y, x + width, y + height], abs=1)
            assert annotation["area"] == pytest.approx(mask.sum().item(), rel=0.1)
            hidden += len(annotation["segmentation"]) > 1  # the pieces left visible
        if len(masks) > 1:
            # Neighbouring pieces may share a pixel their edge runs through, no more.
            shared = (torch.stack(masks).sum(dim=0) > 1).sum().item()
            assert shared <= 0.02 * min(mask.sum().item() for mask in masks)
            boxes = torch.tensor([a["bbox"] for a in annotations])
            boxes[:, 2:] += boxes[:, :2]
            overlapping += bool(box_iou(boxes, boxes).fill_diagonal_(0).max() > 0)
    assert overlapping >= 4 and hidden >= 4, (overlapping, hidden)


@pytest.mark.slow
def test_fit_then_predict_writes_masks_per_instance(tmp_path: Path) -> None:
    project = render(tmp_path / "project", task="instance_segmentation")
    run_dir = fit_detector_one_step(project, PACKAGE, IMAGE_SIZE)
    logged = set(next(csv.reader((run_dir / "metrics.csv").open())))
    # Mask R-CNN's own losses one by one, their sum, and mask and box mAP.
    assert {"train/loss", "train/loss_mask", "train/loss_classifier"} <= logged
    assert {"val/segm_map", "val/segm_map_50", "val/segm_map_50_best", "val/bbox_map_50"} <= logged
    checkpoint = run_dir / "checkpoints/last.ckpt"
    assert torch.load(checkpoint, weights_only=False)["global_step"] == 1  # 4 images, batch 4

    predict = run_project_python(
        project,
        "-m",
        PACKAGE,
        "predict",
        *DETECTOR_FAST,
        f"--ckpt_path={checkpoint}",
        "--data.predict_dir=data/images/test",
        # An untrained detector is unsure of everything: write all it finds.
        "--model.score_threshold=0.0",
        "--model.predict_score_threshold=0.0",
    )
    assert predict.returncode == 0, predict.stderr[-3000:]
    images = json.loads((project / "predictions.json").read_text())
    assert [Path(image["path"]).name for image in images] == [f"{i:04d}.png" for i in range(3)]
    assert sum(len(image["instances"]) for image in images) > 0
    for image in images:
        assert (image["width"], image["height"]) == (IMAGE_SIZE, IMAGE_SIZE)
        for instance in image["instances"]:
            assert instance["category_id"] == CATEGORY_IDS[instance["category"]]
            assert 0 <= instance["score"] <= 1
            x1, y1, x2, y2 = instance["xyxy"]
            assert 0 <= x1 <= x2 <= IMAGE_SIZE and 0 <= y1 <= y2 <= IMAGE_SIZE
            # The mask is COCO's compressed RLE, in the image's pixels.
            segmentation = instance["segmentation"]
            assert segmentation["size"] == [IMAGE_SIZE, IMAGE_SIZE]
            rle = {"size": segmentation["size"], "counts": segmentation["counts"].encode()}
            mask = coco_mask.decode(rle)
            assert mask.shape == (IMAGE_SIZE, IMAGE_SIZE)
            assert mask.sum() == instance["area"]
