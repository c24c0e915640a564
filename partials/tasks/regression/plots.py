"""What the report shows of a regressor: predictions on validation images.

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
    """``count`` validation images from across the set, with their predicted and true values."""
    indices = spread_over(len(datamodule.val_set), count)
    images, targets, values = predict(model, datamodule, indices)
    panels = prediction_panels(images, targets, values, datamodule.target_names)
    return {"predictions.png": plot_grid(panels, "predicted and true values")}


def spread_over(size: int, count: int) -> list[int]:
    """Indices of ``count`` samples spread evenly over a dataset of ``size``, whatever its order."""
    return sorted({index * size // count for index in range(count)})


def prediction_panels(
    images: list[torch.Tensor],
    targets: list[torch.Tensor],
    values: list[torch.Tensor],
    target_names: list[str],
) -> list[Panel]:
    """Each image titled with its predicted and true value of every target."""
    panels = []
    for image, target, predicted in zip(images, targets, values, strict=True):
        title = "\n".join(
            f"{name}: {p:.3g} (true {t:.3g})"
            for name, p, t in zip(target_names, predicted.tolist(), target.tolist(), strict=True)
        )
        panels.append((image, title))
    return panels
