"""Detection projects, COCO and YOLO: demo data, a short fit, and predictions a user can read."""

import csv
import json
from pathlib import Path

import pytest
import torch
from torchvision.ops import box_iou

from tests.helpers import DETECTOR_FAST, fit_detector_one_step, render, run_project_python

PACKAGE = "shapes_detector"
IMAGE_SIZE = 48  # not the detector's min_size: predictions must come back in the image's pixels
CATEGORY_IDS = {
    "coco": {"circle": 1, "square": 3, "triangle": 7},
    "yolo": {"circle": 0, "square": 1, "triangle": 2},
}
TEST_IMAGES = {"coco": "data/images/test", "yolo": "data/test/images"}


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["coco", "yolo"])
def test_fit_then_predict_writes_boxes_per_image(tmp_path: Path, layout: str) -> None:
    project = render(
        tmp_path / "project",
        project_name="Shapes Detector",
        task="detection",
        dataset_layout=layout,
    )
    run_dir = fit_detector_one_step(project, PACKAGE, IMAGE_SIZE)
    logged = set(next(csv.reader((run_dir / "metrics.csv").open())))
    # FCOS's own losses one by one, their sum, and mAP with its best so far.
    assert {"train/loss", "train/classification", "train/bbox_ctrness"} <= logged
    assert {"val/map", "val/map_50", "val/map_50_best", "val/mar_100"} <= logged
    checkpoint = run_dir / "checkpoints/last.ckpt"
    assert torch.load(checkpoint, weights_only=False)["global_step"] == 1  # 4 images, batch 4

    predict = run_project_python(
        project,
        "-m",
        PACKAGE,
        "predict",
        *DETECTOR_FAST,
        f"--ckpt_path={checkpoint}",
        f"--data.predict_dir={TEST_IMAGES[layout]}",
        # An untrained detector is unsure of everything: write all it finds.
        "--model.score_threshold=0.0",
        "--model.predict_score_threshold=0.0",
        "--model.predict_nms_threshold=0.3",
    )
    assert predict.returncode == 0, predict.stderr[-3000:]
    images = json.loads((project / "predictions.json").read_text())
    assert [Path(image["path"]).name for image in images] == [f"{i:04d}.png" for i in range(3)]
    assert sum(len(image["detections"]) for image in images) > 0
    for image in images:
        assert (image["width"], image["height"]) == (IMAGE_SIZE, IMAGE_SIZE)
        for detection in image["detections"]:
            assert detection["category_id"] == CATEGORY_IDS[layout][detection["category"]]
            assert 0 <= detection["score"] <= 1
            x1, y1, x2, y2 = detection["xyxy"]
            assert 0 <= x1 <= x2 <= IMAGE_SIZE and 0 <= y1 <= y2 <= IMAGE_SIZE
            assert detection["bbox"] == pytest.approx([x1, y1, x2 - x1, y2 - y1], abs=0.02)
        # The last NMS leaves no two boxes of one class overlapping by more than its IoU.
        for category in CATEGORY_IDS[layout]:
            boxes = [d["xyxy"] for d in image["detections"] if d["category"] == category]
            if len(boxes) > 1:
                overlaps = box_iou(torch.tensor(boxes), torch.tensor(boxes)).fill_diagonal_(0)
                assert overlaps.max() <= 0.3 + 1e-3


P6_P7_CHECK = """
import torch
from torch.nn.grad import conv2d_weight
from torchvision.models import get_model

from {package}.model import Detector, Float32Conv2d

model = Detector(num_classes=3, name="{detector}", min_size=64, max_size=64)
plain = get_model("{detector}", weights=None, weights_backbone=None, num_classes=4)
assert model.detector.state_dict().keys() == plain.state_dict().keys()
extra_levels = model.detector.backbone.fpn.extra_blocks
for conv in (extra_levels.p6, extra_levels.p7):
    assert type(conv) is Float32Conv2d
    # A batch 64 pixels wide leaves P6 one pixel wide, where bfloat16's weight gradient fails.
    maps = torch.rand(2, 256, 1, 1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        output = conv(maps)
    assert output.dtype == torch.float32
    output.backward(torch.ones_like(output))
    expected = conv2d_weight(maps, conv.weight.shape, torch.ones_like(output), stride=2, padding=1)
    torch.testing.assert_close(conv.weight.grad, expected)
print("ok")
"""


@pytest.mark.parametrize("detector", ["retinanet_resnet50_fpn", "fcos_resnet50_fpn"])
def test_p6_and_p7_train_in_float32_under_cpu_bfloat16_autocast(
    tmp_path: Path, detector: str
) -> None:
    """The FPN levels whose bfloat16 weight gradient oneDNN gets wrong on one-pixel-wide maps."""
    project = render(
        tmp_path / "project", project_name="Shapes Detector", task="detection", detector=detector
    )
    script = P6_P7_CHECK.format(package=PACKAGE, detector=detector)
    check = run_project_python(project, "-c", script)
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.stdout.strip() == "ok"
