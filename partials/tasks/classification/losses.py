"""The training loss, with class weights given as a plain list so the YAML can set them."""

import torch
{%- if loss == 'focal' %}
import torch.nn.functional as F
{%- endif %}
from torch import nn
{%- if loss == 'cross_entropy' %}


class CrossEntropyLoss(nn.CrossEntropyLoss):
    """``torch.nn.CrossEntropyLoss`` configured from YAML-friendly values.

    Args:
        label_smoothing: Share of the target probability spread over the other classes.
        class_weights: One weight per class, in the order of the train/ class folders; None
            weighs all classes equally.
    """

    def __init__(self, label_smoothing: float = 0.0, class_weights: list[float] | None = None):
        weight = torch.tensor(class_weights, dtype=torch.float32) if class_weights else None
        super().__init__(weight=weight, label_smoothing=label_smoothing)
{%- else %}


class FocalLoss(nn.Module):
    """Softmax focal loss (Lin et al., 2017): cross-entropy scaled down on easy examples.

    Args:
        gamma: Focusing strength; 0 gives plain cross-entropy.
        class_weights: One weight per class (the paper's alpha), in the order of the train/
            class folders; None weighs all classes equally.
    """

    def __init__(self, gamma: float = 2.0, class_weights: list[float] | None = None) -> None:
        super().__init__()
        self.gamma = gamma
        weight = torch.tensor(class_weights, dtype=torch.float32) if class_weights else None
        self.register_buffer("class_weights", weight)

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        log_probs = F.log_softmax(logits.float(), dim=1)
        target_log_probs = log_probs.gather(1, targets[:, None]).squeeze(1)
        loss = -((1 - target_log_probs.exp()) ** self.gamma) * target_log_probs
        if self.class_weights is not None:
            loss = loss * self.class_weights[targets]
        return loss.mean()
{%- endif %}
