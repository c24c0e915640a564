"""Semantic segmentation: the backbone as encoder, a light FPN decoder, a class for every pixel."""

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassF1Score, MulticlassJaccardIndex

from {{ package_name }}.base import MetricsModel

Batch = tuple[torch.Tensor, torch.Tensor]


class FPNDecoder(nn.Module):
    """Merges the encoder's feature maps top-down into one map at the finest resolution.

    As in FPN (Lin et al., 2017): a 1x1 lateral convolution brings every map to ``channels``;
    from the coarsest map down, the running sum is upsampled to the next map's size and added
    to it, so that fine maps gain the context of coarse ones. A 3x3 convolution smooths the sum.

    Args:
        in_channels: Channels of the encoder's feature maps, from the finest to the coarsest.
        channels: Channels of the merged map.
    """

    def __init__(self, in_channels: Sequence[int], channels: int) -> None:
        super().__init__()
        self.laterals = nn.ModuleList(nn.Conv2d(c, channels, kernel_size=1) for c in in_channels)
        self.smooth = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        merged = self.laterals[-1](features[-1])
        for lateral, feature in zip(self.laterals[-2::-1], features[-2::-1], strict=True):
            upsampled = F.interpolate(merged, size=feature.shape[-2:], mode="nearest")
            merged = lateral(feature) + upsampled
        return self.smooth(merged)


class SegmentationModel(MetricsModel):
    """Encoder-decoder over any backbone with ``forward_features`` and ``stage_channels``.

    Logs the loss per stage, and mean IoU (Jaccard index) and Dice on validation and test
    (``val/miou``, ``test/dice``, ...); both are macro averages over the classes and skip the
    pixels marked ``ignore_index``. Training logs the loss alone: counting every pixel of
    every batch costs as much as a small network's step on a CPU.

    Args:
        backbone: Encoder: ``forward_features`` maps images [B, 3, H, W] to feature maps from
            the finest to the coarsest, with ``stage_channels`` channels.
        num_classes: Number of classes, background included; linked from the data module.
        loss: Loss between logits [B, num_classes, H, W] and masks of class indices [B, H, W].
        ignore_index: Mask value of pixels that belong to no class, which the metrics skip;
            keep it equal to the loss's.
        decoder_channels: Channels of the decoder's feature maps.
        dropout: Probability of dropping a whole decoder channel before the classifier.
{% include 'partials/families/dense/model_args.md' %}
        optimizer: Builds the optimizer from the parameters (``model.optimizer`` in the YAML).
        scheduler: Builds the learning-rate schedule from the optimizer, advanced every {{ 'step' if scheduler == 'onecycle' else 'epoch' }}.
        compile: Compile ``forward`` (encoder, decoder and classifier) with ``torch.compile``:
            faster steps on a GPU, after a compilation of a minute or so at the first step and
            whenever the input size changes.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        loss: nn.Module,
        ignore_index: int = 255,
        decoder_channels: int = 32,
        dropout: float = 0.2,
{% include 'partials/families/dense/model_signature.py' %}
        self.backbone = backbone
        self.decoder = FPNDecoder(backbone.stage_channels, decoder_channels)
        self.classifier = nn.Sequential(
            nn.Dropout2d(dropout),
            nn.Conv2d(decoder_channels, num_classes, kernel_size=1),
        )
        self.loss = loss
        if compile:
            # The whole forward: the encoder is called through forward_features, not its own
            # forward. In place, so that checkpoints keep their parameter names.
            self.compile()
        # No per-batch input checks: they wait for the GPU, and the data module checks the masks.
        metrics = MetricCollection(
            {
                "miou": MulticlassJaccardIndex(
                    num_classes, ignore_index=ignore_index, validate_args=False
                ),
                # Dice over pixels is the F1 score; segmentation.DiceScore has no ignore_index.
                "dice": MulticlassF1Score(
                    num_classes, ignore_index=ignore_index, validate_args=False
                ),
            }
        )
        # Training logs the loss alone: counting every pixel of every batch costs as much as a
        # small network's step on a CPU.
        self.track(metrics, best="miou", stages=("val", "test"))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return class logits [B, num_classes, H, W] at the size of the images."""
        features = self.decoder(self.backbone.forward_features(images))
        logits = self.classifier(features)
        return F.interpolate(logits, size=images.shape[-2:], mode="bilinear", align_corners=False)

    def step(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The loss, and the logits and masks for the metrics. The metrics take each pixel's
        most likely class themselves, so training, which has none, pays for no argmax."""
        images, masks = batch
        logits = self(images)
        return self.loss(logits, masks), logits, masks

    def predict_step(
        self, batch: tuple[torch.Tensor, list[str], torch.Tensor], batch_idx: int
    ) -> dict:
        """Predict a mask of class indices per image, at the image's original size."""
        images, paths, sizes = batch
        masks = [
            F.interpolate(logits[None], size=size.tolist(), mode="bilinear", align_corners=False)
            .argmax(dim=1)[0]
            .to(torch.uint8)
            .cpu()
            for logits, size in zip(self(images), sizes, strict=True)
        ]
        return {"paths": paths, "masks": masks}
