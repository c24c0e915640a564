"""Image classifier: a backbone's feature maps, pooled into a linear head."""

import torch
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

from {{ package_name }}.base import MetricsModel

Batch = tuple[torch.Tensor, torch.Tensor]


{% include 'partials/pooled_head.py' %}


class ImageClassifier(MetricsModel):
    """Classifier over any backbone that exposes ``out_channels``.

    Logs loss, accuracy and macro F1 per stage (``train/acc``, ``val/f1``, ...).

    Args:
        backbone: Module mapping images [B, 3, H, W] to feature maps [B, out_channels, h, w].
        num_classes: Number of classes; linked from the data module by the CLI.
        loss: Loss between logits [B, num_classes] and class indices [B].
        dropout: Dropout probability before the linear head.
{% include 'partials/families/dense/model_args.md' %}
        optimizer: Builds the optimizer (see ``TaskModel``).
        scheduler: Builds the learning-rate schedule (see ``TaskModel``).
        compile: Compile the backbone with ``torch.compile`` (see ``configs/default.yaml``).
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        loss: nn.Module,
        dropout: float = 0.2,
{% include 'partials/families/dense/model_signature.py' %}
        self.backbone = backbone
        self.head = pooled_head(backbone.out_channels, num_classes, dropout)
        self.loss = loss
        if compile:
            # In place, so that checkpoints keep the parameter names of the plain backbone.
            self.backbone.compile()
        # No per-batch input checks: they wait for the GPU, and the data module checks labels.
        metrics = MetricCollection(
            {
                "acc": MulticlassAccuracy(num_classes, validate_args=False),
                "f1": MulticlassF1Score(num_classes, average="macro", validate_args=False),
            }
        )
        self.track(metrics, best="acc", stages=("train", "val", "test"))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return class logits [B, num_classes]."""
        return self.head(self.backbone(images))

    def step(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        images, targets = batch
        logits = self(images)
        return self.loss(logits, targets), logits, targets

    def predict_step(self, batch: tuple[torch.Tensor, list[str]], batch_idx: int) -> dict:
        images, paths = batch
        return {"paths": paths, "probs": self(images).softmax(dim=1)}
