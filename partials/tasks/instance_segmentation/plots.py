"""What the report shows of an instance segmenter: true and found masks on validation images.

``python -m {{ package_name }}.report RUN_DIR`` draws them beside the run's metric curves.
"""

import math

import torch
from lightning.pytorch import LightningDataModule
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision.utils import draw_bounding_boxes, draw_segmentation_masks

from {{ package_name }}.model import MASK_THRESHOLD

{% include 'partials/plot_grid.py' %}


# One colour per class (label 1 the first), as matplotlib's default cycle.
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def figures(model: nn.Module, datamodule: LightningDataModule, count: int) -> dict[str, Figure]:
    """``count`` validation images from across the set, each with its true and found objects."""
    indices = spread_over(len(datamodule.val_set), math.ceil(count / 2))
    images, targets, found = predict(model, datamodule, indices)
    threshold = model.predict_score_threshold
    panels = mask_panels(images, targets, found, datamodule.class_names, threshold)
    title = f"true objects, then those found scoring {threshold} or more; a colour per class"
    return {"predictions.png": plot_grid(panels, title)}


def spread_over(size: int, count: int) -> list[int]:
    """Indices of ``count`` samples spread evenly over a dataset of ``size``, whatever its order."""
    return sorted({index * size // count for index in range(count)})


def draw_objects(
    image: torch.Tensor,
    masks: torch.Tensor,
    boxes: torch.Tensor,
    labels: torch.Tensor,
    names: list[str],
) -> torch.Tensor:
    """The image with each object's mask filled and its box drawn in its class's colour."""
    if not len(masks):  # torchvision warns when it is given nothing to draw
        return image
    colours = [COLOURS[(label - 1) % len(COLOURS)] for label in labels.tolist()]
    picture = draw_segmentation_masks(image, masks, alpha=0.5, colors=colours)
    return draw_bounding_boxes(picture, boxes, names, colors=colours, width=1)


def mask_panels(
    images: list[torch.Tensor],
    targets: list[dict[str, torch.Tensor]],
    found: list[dict[str, torch.Tensor]],
    class_names: list[str],
    score_threshold: float,
) -> list[Panel]:
    """Two panels per image: its true objects, and those found from ``score_threshold``."""
    panels = []
    for image, target, objects in zip(images, targets, found, strict=True):
        true_names = [class_names[label - 1] for label in target["labels"].tolist()]
        truth = draw_objects(
            image, target["masks"].bool(), target["boxes"], target["labels"], true_names
        )
        panels.append((truth, f"{len(true_names)} true"))
        confident = objects["scores"] >= score_threshold
        masks = objects["masks"][confident, 0] >= MASK_THRESHOLD
        boxes, labels, scores = (objects[key][confident] for key in ("boxes", "labels", "scores"))
        # Label 0 is the background: the classes are 1..num_classes.
        names = [
            f"{class_names[label - 1]} {score:.2f}"
            for label, score in zip(labels.tolist(), scores.tolist(), strict=True)
        ]
        panels.append((draw_objects(image, masks, boxes, labels, names), f"{len(names)} found"))
    return panels
