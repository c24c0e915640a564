"""What the report shows of a classifier: a confusion matrix, and predictions on validation
images of every class in turn.

``python -m {{ package_name }}.report RUN_DIR`` draws them beside the run's metric curves.
"""

import math
from collections import defaultdict
from collections.abc import Sequence
from itertools import zip_longest

import torch
from lightning.pytorch import LightningDataModule
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchmetrics.classification import MulticlassConfusionMatrix

{% include 'partials/plot_grid.py' %}


def figures(model: nn.Module, datamodule: LightningDataModule, count: int) -> dict[str, Figure]:
    """The confusion matrix of the validation images, and ``count`` of them with predictions."""
    class_names = datamodule.class_names
    matrix = confusion_matrix(model, datamodule)
    indices = every_class_in_turn(datamodule.val_set.targets, count)
    images, targets, logits = predict(model, datamodule, indices)
    panels = prediction_panels(images, targets, logits, class_names)
    return {
        "confusion_matrix.png": plot_confusion_matrix(matrix, class_names),
        "predictions.png": plot_grid(panels, "predicted class (probability) and true class"),
    }


def confusion_matrix(model: nn.Module, datamodule: LightningDataModule) -> torch.Tensor:
    """Counts [num_classes, num_classes] of the validation images by true and predicted class."""
    matrix = MulticlassConfusionMatrix(datamodule.num_classes)
    with torch.no_grad():
        for images, targets in datamodule.val_dataloader():
            matrix.update(model(datamodule.to_model_input(images)), targets)
    return matrix.compute()


def plot_confusion_matrix(matrix: torch.Tensor, class_names: list[str]) -> Figure:
    """Rows are the true classes, columns the predicted ones; each cell counts images."""
    side = min(3 + 0.6 * len(class_names), 20)
    figure = Figure(figsize=(side, side), layout="constrained")
    axes = figure.subplots()
    axes.imshow(matrix.numpy(), cmap="Blues")
    ticks = range(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    if len(class_names) <= 30:  # beyond that the counts no longer fit in their cells
        dark = matrix.max().item() / 2
        for row in ticks:
            for column in ticks:
                count = matrix[row, column].item()
                color = "white" if count > dark else "black"
                axes.text(column, row, count, ha="center", va="center", color=color)
    return figure


def every_class_in_turn(targets: Sequence[int], count: int) -> list[int]:
    """Indices of ``count`` samples, one of each class in turn: a sorted dataset shows them all."""
    by_class = defaultdict(list)
    for index, target in enumerate(targets):
        by_class[int(target)].append(index)
    rounds = zip_longest(*(by_class[target] for target in sorted(by_class)))
    return [index for row in rounds for index in row if index is not None][:count]


def prediction_panels(
    images: list[torch.Tensor],
    targets: list[torch.Tensor],
    logits: list[torch.Tensor],
    class_names: list[str],
) -> list[Panel]:
    """Each image titled with its predicted class, that class's probability and the true class."""
    panels = []
    for image, target, image_logits in zip(images, targets, logits, strict=True):
        probs = image_logits.softmax(dim=0)
        predicted = probs.argmax().item()
        title = f"{class_names[predicted]} ({probs[predicted]:.2f})\ntrue: {class_names[target]}"
        panels.append((image, title))
    return panels
