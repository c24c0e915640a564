"""Writes what ``predict`` returns to a JSON file of boxes per image."""

import json
from pathlib import Path

from lightning.pytorch import LightningModule, Trainer

from {{ package_name }} import base


class PredictionWriter(base.PredictionWriter):
    """One entry per image: its path and size, and its detections.

    Each detection has the class name, its category id (the COCO ``category_id``, or the YOLO
    class index), the score, and the box in the image's own pixels twice: ``xyxy`` (corners) and
    ``bbox`` (``[x, y, width, height]``, as in COCO results files). With several processes each
    writes its own share to ``<stem>-rank<N>.json``.
    """

    def __init__(self, output_path: str = "predictions.json") -> None:
        super().__init__(output_path)

    def write(
        self, path: Path, predictions: list[list[dict]], trainer: Trainer, model: LightningModule
    ) -> str:
        datamodule = trainer.datamodule
        images = [
            {
                "path": image["path"],
                "width": image["width"],
                "height": image["height"],
                "detections": describe_detections(
                    image, datamodule.class_names, datamodule.category_ids
                ),
            }
            for batch in predictions
            for image in batch
        ]
        path.write_text(json.dumps(images, indent=2) + "\n")
        return f"Predictions for {len(images)} images"


def describe_detections(image: dict, class_names: list[str], category_ids: list[int]) -> list[dict]:
    """The detections of one image as JSON-ready dicts; label ``l`` is class ``l - 1``."""
    detections = []
    for box, score, label in zip(
        image["boxes"].tolist(), image["scores"].tolist(), image["labels"].tolist(), strict=True
    ):
        x1, y1, x2, y2 = (round(value, 2) for value in box)
        detections.append(
            {
                "category": class_names[label - 1],
                "category_id": category_ids[label - 1],
                "score": round(score, 4),
                "xyxy": [x1, y1, x2, y2],
                "bbox": [x1, y1, round(x2 - x1, 2), round(y2 - y1, 2)],
            }
        )
    return detections
