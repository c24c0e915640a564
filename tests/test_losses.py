"""The generated losses compute what their docstrings promise."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch
import torch.nn.functional as F

from tests.helpers import render


def losses_module(tmp_path: Path, loss: str) -> ModuleType:
    project = render(tmp_path / loss, loss=loss)
    path = project / "src" / "shapes_classifier" / "losses.py"
    spec = importlib.util.spec_from_file_location(f"losses_{loss}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return torch.randn(16, 3, generator=generator), torch.randint(0, 3, (16,), generator=generator)


def test_cross_entropy_takes_class_weights_as_a_list(tmp_path: Path, batch) -> None:
    logits, targets = batch
    module = losses_module(tmp_path, "cross_entropy")
    loss = module.CrossEntropyLoss(label_smoothing=0.1, class_weights=[1.0, 2.0, 0.5])
    expected = F.cross_entropy(
        logits, targets, weight=torch.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1
    )
    assert torch.allclose(loss(logits, targets), expected)
    assert "weight" in dict(loss.named_buffers())  # moves to the GPU with the model


def test_focal_loss_is_cross_entropy_at_gamma_0_and_down_weights_easy_examples(
    tmp_path: Path, batch
) -> None:
    logits, targets = batch
    module = losses_module(tmp_path, "focal")
    assert torch.allclose(
        module.FocalLoss(gamma=0.0)(logits, targets), F.cross_entropy(logits, targets)
    )

    per_example = F.cross_entropy(logits, targets, reduction="none")
    focal = module.FocalLoss(gamma=2.0)
    assert focal(logits, targets) < per_example.mean()

    weighted = module.FocalLoss(gamma=0.0, class_weights=[1.0, 2.0, 0.5])
    weights = torch.tensor([1.0, 2.0, 0.5])[targets]
    assert torch.allclose(weighted(logits, targets), (per_example * weights).mean())
    assert "class_weights" in dict(weighted.named_buffers())
