"""The training loss over every pixel, skipping those marked ``ignore_index``."""

import torch
{%- if loss != 'cross_entropy' %}
import torch.nn.functional as F
{%- endif %}
from torch import nn
{%- if loss != 'dice' %}


class CrossEntropyLoss(nn.CrossEntropyLoss):
    """``torch.nn.CrossEntropyLoss`` per pixel, configured from YAML-friendly values.

    Args:
        ignore_index: Mask value of pixels that belong to no class; they add nothing to the loss.
        class_weights: One weight per class, in the order of ``data.class_names``; None weighs
            all classes equally. Raise a rare class's weight when it covers few pixels.
    """

    def __init__(self, ignore_index: int = 255, class_weights: list[float] | None = None) -> None:
        weight = torch.tensor(class_weights, dtype=torch.float32) if class_weights else None
        super().__init__(weight=weight, ignore_index=ignore_index)
{%- endif %}
{%- if loss != 'cross_entropy' %}


class DiceLoss(nn.Module):
    """Soft Dice loss: one minus the mean over classes of 2 |P * T| / (|P| + |T|).

    P are the softmax probabilities and T the one-hot masks, summed over the batch. Each class
    counts the same however few pixels it covers, which cross-entropy does not give.

    Args:
        ignore_index: Mask value of pixels that belong to no class; they add nothing to the loss.
        smooth: Added to both sides of the ratio, so that a class absent from the batch and
            from the prediction scores 1 rather than 0 / 0.
    """

    def __init__(self, ignore_index: int = 255, smooth: float = 1.0) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.smooth = smooth

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        probs = logits.float().softmax(dim=1)
        valid = targets != self.ignore_index
        one_hot = F.one_hot(targets.masked_fill(~valid, 0), probs.shape[1]).permute(0, 3, 1, 2)
        valid = valid[:, None]
        probs, one_hot = probs * valid, one_hot * valid
        dims = (0, 2, 3)
        intersection = (probs * one_hot).sum(dims)
        cardinality = probs.sum(dims) + one_hot.sum(dims)
        dice = (2 * intersection + self.smooth) / (cardinality + self.smooth)
        return 1 - dice.mean()
{%- endif %}
{%- if loss == 'cross_entropy_dice' %}


class CrossEntropyDiceLoss(nn.Module):
    """Cross-entropy plus weighted Dice loss: accurate pixels and the overlap of every class.

    Args:
        ignore_index: Mask value of pixels that belong to no class; they add nothing to the loss.
        class_weights: Cross-entropy weight of each class, in the order of ``data.class_names``;
            None weighs all classes equally.
        dice_weight: Factor of the Dice term.
        smooth: Dice smoothing, see ``DiceLoss``.
    """

    def __init__(
        self,
        ignore_index: int = 255,
        class_weights: list[float] | None = None,
        dice_weight: float = 1.0,
        smooth: float = 1.0,
    ) -> None:
        super().__init__()
        self.cross_entropy = CrossEntropyLoss(ignore_index, class_weights)
        self.dice = DiceLoss(ignore_index, smooth)
        self.dice_weight = dice_weight

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.cross_entropy(logits, targets) + self.dice_weight * self.dice(logits, targets)
{%- endif %}
