"""What the report shows of a detector: true boxes and detections on validation images.

``python -m {{ package_name }}.report RUN_DIR`` draws them beside the run's metric curves.
"""

import math

import torch
from lightning.pytorch import LightningDataModule
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision.utils import draw_bounding_boxes

{% include 'partials/plot_grid.py' %}


def figures(model: nn.Module, datamodule: LightningDataModule, count: int) -> dict[str, Figure]:
    """``count`` validation images from across the set, with true boxes and detections."""
    indices = spread_over(len(datamodule.val_set), count)
    images, targets, detections = predict(model, datamodule, indices)
    threshold = model.predict_score_threshold
    panels = prediction_panels(images, targets, detections, datamodule.class_names, threshold)
    title = f"true boxes (green), detections scoring {threshold} or more (red)"
    return {"predictions.png": plot_grid(panels, title)}


def spread_over(size: int, count: int) -> list[int]:
    """Indices of ``count`` samples spread evenly over a dataset of ``size``, whatever its order."""
    return sorted({index * size // count for index in range(count)})


def prediction_panels(
    images: list[torch.Tensor],
    targets: list[dict[str, torch.Tensor]],
    detections: list[dict[str, torch.Tensor]],
    class_names: list[str],
    score_threshold: float,
) -> list[Panel]:
    """Each image with its true boxes (green) and its detections from ``score_threshold`` (red)."""
    panels = []
    for image, target, found in zip(images, targets, detections, strict=True):
        confident = found["scores"] >= score_threshold
        boxes, labels, scores = (found[key][confident] for key in ("boxes", "labels", "scores"))
        # Label 0 is the background: the classes are 1..num_classes.
        names = [
            f"{class_names[label - 1]} {score:.2f}"
            for label, score in zip(labels.tolist(), scores.tolist(), strict=True)
        ]
        picture = image  # torchvision warns when it is given no boxes to draw
        if len(target["boxes"]):
            picture = draw_bounding_boxes(picture, target["boxes"], colors="lime", width=1)
        if len(boxes):
            picture = draw_bounding_boxes(picture, boxes, names, colors="red", width=2)
        panels.append((picture, f"{len(boxes)} found, {len(target['boxes'])} true"))
    return panels
