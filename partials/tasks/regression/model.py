"""Image regressor: a backbone's feature maps, pooled into a linear head, one output per target."""

import torch
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.regression import MeanAbsoluteError, R2Score

from {{ package_name }}.base import MetricsModel

Batch = tuple[torch.Tensor, torch.Tensor]


{% include 'partials/pooled_head.py' %}


class ImageRegressor(MetricsModel):
    """Regressor over any backbone that exposes ``out_channels``.

    The head predicts standardised targets (mean 0 and standard deviation 1 over the train
    split), so targets of any scale train alike and weigh alike in the loss. The train-set mean
    and standard deviation come from the data module when training starts and are saved in
    checkpoints; ``forward`` and ``predict`` return values in the targets' own units.

    Logs per stage the loss (on standardised targets), the mean absolute error in the targets'
    own units (``val/mae``, averaged over all targets) and R2 (``val/r2``, the mean of each
    target's R2, so every target counts alike whatever its scale).

    Args:
        backbone: Module mapping images [B, 3, H, W] to feature maps [B, out_channels, h, w].
        num_targets: Number of values to predict per image; linked from the data module.
        loss: Loss between standardised predictions and targets, both [B, num_targets].
        dropout: Dropout probability before the linear head.
{% include 'partials/families/dense/model_args.md' %}
        optimizer: Builds the optimizer (see ``TaskModel``).
        scheduler: Builds the learning-rate schedule (see ``TaskModel``).
        compile: Compile the backbone with ``torch.compile`` (see ``configs/default.yaml``).
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_targets: int,
        loss: nn.Module,
        dropout: float = 0.2,
{% include 'partials/families/dense/model_signature.py' %}
        self.backbone = backbone
        self.head = pooled_head(backbone.out_channels, num_targets, dropout)
        self.loss = loss
        if compile:
            # In place, so that checkpoints keep the parameter names of the plain backbone.
            self.backbone.compile()
        self.register_buffer("target_mean", torch.zeros(num_targets))
        self.register_buffer("target_std", torch.ones(num_targets))
        metrics = MetricCollection({"mae": MeanAbsoluteError(), "r2": R2Score()})
        # R2 needs at least two images, which the last batch may lack: the metrics are computed
        # per epoch only.
        self.track(metrics, best="r2", stages=("train", "val", "test"))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return the predicted targets [B, num_targets], in their own units."""
        return self.head(self.backbone(images)) * self.target_std + self.target_mean

    def step(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        images, targets = batch
        standardised = self.head(self.backbone(images))
        loss = self.loss(standardised, (targets - self.target_mean) / self.target_std)
        return loss, standardised.float() * self.target_std + self.target_mean, targets

    def predict_step(self, batch: tuple[torch.Tensor, list[str]], batch_idx: int) -> dict:
        images, paths = batch
        return {"paths": paths, "values": self(images).float()}

    def on_fit_start(self) -> None:
        # Also when resuming: the statistics of the same train split are the same.
        datamodule = self.trainer.datamodule
        self.target_mean.copy_(datamodule.target_mean)
        self.target_std.copy_(datamodule.target_std)
