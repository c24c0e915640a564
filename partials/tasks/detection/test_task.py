"""This task's own pieces: how its transforms treat boxes, which images the report shows."""

import torch
from torchvision import tv_tensors

from {{ package_name }}.plots import spread_over
from {{ package_name }}.transforms import EvalTransform, TrainTransform


def test_the_predictions_come_from_across_the_validation_set() -> None:
    assert spread_over(100, 4) == [0, 25, 50, 75]
    assert spread_over(3, 16) == [0, 1, 2]


def test_boxes_leaving_the_image_are_clipped_or_dropped() -> None:
    image = tv_tensors.Image(torch.zeros(3, 40, 60, dtype=torch.uint8))
    boxes = tv_tensors.BoundingBoxes(
        [[50, 30, 70, 45], [61, 0, 80, 10], [0, 0, 20, 20]], format="XYXY", canvas_size=(40, 60)
    )
    target = {"boxes": boxes, "labels": torch.tensor([1, 2, 3])}
    _, clean = EvalTransform()(image, target)
    # The first box is clipped to the image, the second lies outside it and goes with its label.
    assert clean["boxes"].tolist() == [[50, 30, 60, 40], [0, 0, 20, 20]]
    assert clean["labels"].tolist() == [1, 3]
    train_transform = TrainTransform(translate=0.4)
    for _ in range(20):
        _, augmented = train_transform(image, target)
        kept = augmented["boxes"]
        assert len(kept) == len(augmented["labels"])
        assert (kept >= 0).all() and (kept[:, 0::2] <= 60).all() and (kept[:, 1::2] <= 40).all()
        assert (kept[:, 2:] - kept[:, :2] >= 2).all()
