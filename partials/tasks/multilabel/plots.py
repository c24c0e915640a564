"""What the report shows of a multi-label classifier: predictions on validation images.

``python -m {{ package_name }}.report RUN_DIR`` draws them beside the run's metric curves.
"""

import math

import torch
from lightning.pytorch import LightningDataModule
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, Subset

{% include 'partials/plot_grid.py' %}


def figures(model: nn.Module, datamodule: LightningDataModule, count: int) -> dict[str, Figure]:
    """``count`` validation images from across the set, with their predicted and true labels."""
    indices = spread_over(len(datamodule.val_set), count)
    images, targets, logits = predict(model, datamodule, indices)
    panels = prediction_panels(images, targets, logits, datamodule.class_names, model.threshold)
    title = f"predicted labels (probability >= {model.threshold}) and true ones"
    return {"predictions.png": plot_grid(panels, title)}


def spread_over(size: int, count: int) -> list[int]:
    """Indices of ``count`` samples spread evenly over a dataset of ``size``, whatever its order."""
    return sorted({index * size // count for index in range(count)})


def prediction_panels(
    images: list[torch.Tensor],
    targets: list[torch.Tensor],
    logits: list[torch.Tensor],
    class_names: list[str],
    threshold: float,
) -> list[Panel]:
    """Each image titled with its labels of probability ``threshold`` or more, and the true ones."""
    panels = []
    for image, target, image_logits in zip(images, targets, logits, strict=True):
        probs = image_logits.sigmoid()
        predicted = [name for name, p in zip(class_names, probs, strict=True) if p >= threshold]
        true = [name for name, t in zip(class_names, target, strict=True) if t > 0.5]
        title = f"{', '.join(predicted) or '-'}\ntrue: {', '.join(true) or '-'}"
        panels.append((image, title))
    return panels
