"""What the report shows of a segmentation model: true and predicted masks on validation images.

``python -m {{ package_name }}.report RUN_DIR`` draws them beside the run's metric curves.
"""

import math

import torch
from lightning.pytorch import LightningDataModule
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision.utils import draw_segmentation_masks

{% include 'partials/plot_grid.py' %}


def figures(model: nn.Module, datamodule: LightningDataModule, count: int) -> dict[str, Figure]:
    """``count`` validation images from across the set, with their true and predicted masks."""
    indices = spread_over(len(datamodule.val_set), count)
    images, masks, logits = predict(model, datamodule, indices)
    colors = class_colors(datamodule.num_classes)
    figure = plot_grid(prediction_panels(images, masks, logits, colors), "true and predicted masks")
    legend = [
        Patch(color=[c / 255 for c in color], label=name)
        for name, color in zip(datamodule.class_names, colors, strict=True)
    ]
    figure.legend(handles=legend, loc="outside lower center", ncols=min(len(legend), 6))
    return {"predictions.png": figure}


def spread_over(size: int, count: int) -> list[int]:
    """Indices of ``count`` samples spread evenly over a dataset of ``size``, whatever its order."""
    return sorted({index * size // count for index in range(count)})


def class_colors(num_classes: int) -> list[tuple[int, int, int]]:
    """A colour per class (tab20 repeats after 20 classes)."""
    palette = colormaps["tab20"]
    return [tuple(int(255 * c) for c in palette(index % 20)[:3]) for index in range(num_classes)]


def prediction_panels(
    images: list[torch.Tensor],
    masks: list[torch.Tensor],
    logits: list[torch.Tensor],
    colors: list[tuple[int, int, int]],
) -> list[Panel]:
    """Two panels per image: the true mask and the predicted one, overlaid on the image."""
    classes = torch.arange(len(colors)).view(-1, 1, 1)
    panels = []
    for image, mask, image_logits in zip(images, masks, logits, strict=True):
        picture = image
        for title, classes_map in (("true", mask), ("predicted", image_logits.argmax(dim=0))):
            # One boolean mask per class; pixels of ignore_index belong to none.
            overlay = draw_segmentation_masks(picture, classes_map == classes, 0.5, colors)
            panels.append((overlay, title))
    return panels
