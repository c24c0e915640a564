"""Multi-label image classifier: a backbone's feature maps, pooled into one logit per class."""

import torch
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import MultilabelAveragePrecision, MultilabelF1Score

from {{ package_name }}.base import MetricsModel

Batch = tuple[torch.Tensor, torch.Tensor]


{% include 'partials/pooled_head.py' %}


class MultilabelClassifier(MetricsModel):
    """Multi-label classifier over any backbone that exposes ``out_channels``.

    Every class has its own sigmoid, so an image can have any number of labels, none included.
    Logs loss, macro F1 and macro average precision per stage (``train/f1``, ``val/ap``, ...).

    Args:
        backbone: Module mapping images [B, 3, H, W] to feature maps [B, out_channels, h, w].
        num_classes: Number of classes; linked from the data module by the CLI.
        loss: Loss between logits [B, num_classes] and multi-hot targets [B, num_classes].
        dropout: Dropout probability before the linear head.
        threshold: Probability from which a label counts as predicted, in F1 and ``predict``.
{% include 'partials/families/dense/model_args.md' %}
        optimizer: Builds the optimizer (see ``TaskModel``).
        scheduler: Builds the learning-rate schedule (see ``TaskModel``).
        compile: Compile the backbone with ``torch.compile`` (see ``configs/default.yaml``).
    """

    # Read at run time by predict and export: --model.threshold sets it, not the checkpoint.
    RUNTIME_OPTIONS = (*MetricsModel.RUNTIME_OPTIONS, "threshold")

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        loss: nn.Module,
        dropout: float = 0.2,
        threshold: float = 0.5,
{% include 'partials/families/dense/model_signature.py' %}
        self.backbone = backbone
        self.head = pooled_head(backbone.out_channels, num_classes, dropout)
        self.loss = loss
        self.threshold = threshold
        if compile:
            # In place, so that checkpoints keep the parameter names of the plain backbone.
            self.backbone.compile()
        # No per-batch input checks: they wait for the GPU, and the data module checks labels.
        metrics = MetricCollection(
            {
                "f1": MultilabelF1Score(
                    num_classes, threshold=threshold, average="macro", validate_args=False
                ),
                "ap": MultilabelAveragePrecision(num_classes, average="macro", validate_args=False),
            }
        )
        self.track(metrics, best="f1", stages=("train", "val", "test"))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return one logit per class [B, num_classes]."""
        return self.head(self.backbone(images))

    def step(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        images, targets = batch
        logits = self(images)
        # Give the metrics probabilities: logits that all happen to lie in [0, 1] would be taken
        # for probabilities.
        return self.loss(logits, targets), logits.float().sigmoid(), targets.long()

    def predict_step(self, batch: tuple[torch.Tensor, list[str]], batch_idx: int) -> dict:
        images, paths = batch
        return {"paths": paths, "probs": self(images).float().sigmoid()}
