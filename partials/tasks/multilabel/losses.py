{%- if loss == 'bce_with_logits' -%}
"""The training loss, with per-class weights given as a plain list so the YAML can set them."""
{%- else -%}
"""The training loss: focal loss for every class, so that easy labels do not dominate it."""
{%- endif %}

import torch
from torch import nn
{%- if loss == 'focal' %}
from torchvision.ops import sigmoid_focal_loss
{%- endif %}
{%- if loss == 'bce_with_logits' %}


class BCEWithLogitsLoss(nn.BCEWithLogitsLoss):
    """``torch.nn.BCEWithLogitsLoss`` configured from YAML-friendly values.

    Args:
        pos_weight: One weight per class for its positive examples, in the order of the class
            names (above 1 favours recall, below 1 precision); None weighs them all as 1.
    """

    def __init__(self, pos_weight: list[float] | None = None) -> None:
        weight = torch.tensor(pos_weight, dtype=torch.float32) if pos_weight else None
        super().__init__(pos_weight=weight)
{%- else %}


class SigmoidFocalLoss(nn.Module):
    """Focal loss (Lin et al., 2017) for every class, averaged over classes and images.

    Binary cross-entropy scaled down on easy examples, by ``torchvision.ops.sigmoid_focal_loss``.

    Args:
        alpha: Weight of the positive examples, in [0, 1], and ``1 - alpha`` that of the
            negatives. A negative value, the default, weighs both as 1, which keeps 0.5 the
            natural threshold for a label; RetinaNet's 0.25 lowers the probabilities.
        gamma: Focusing strength; 0 gives plain binary cross-entropy.
    """

    def __init__(self, alpha: float = -1.0, gamma: float = 2.0) -> None:
        super().__init__()
        self.alpha = alpha
        self.gamma = gamma

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return sigmoid_focal_loss(
            logits.float(), targets.float(), alpha=self.alpha, gamma=self.gamma, reduction="mean"
        )
{%- endif %}
