"""Every block type x norm x activation x padding mode builds a backbone that trains.

blocks.py holds only the chosen block type and norm helper, so each block type is rendered
once (with batch norm) and the GroupNorm2d / LayerNorm2d helpers come from renders that chose
them; the ConvNet of each block type is then built with every norm, activation and padding.
"""

import functools
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch
from torch import nn

from scaffolder.template import questions
from tests.helpers import ROOT, render

CATALOGUE = questions(str(ROOT))
ACTIVATIONS = {  # answer -> torch.nn class, as copier.yml's activation_class maps them
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "prelu": nn.PReLU,
    "silu": nn.SiLU,
    "gelu": nn.GELU,
    "relu6": nn.ReLU6,
    "hardtanh": nn.Hardtanh,
    "tanh": nn.Tanh,
}


@functools.cache
def blocks_module(root: Path, block: str, norm: str = "batch") -> ModuleType:
    project = render(root / f"{block}-{norm}", block=block, norm=norm)
    path = project / "src" / "shapes_classifier" / "blocks.py"
    spec = importlib.util.spec_from_file_location(f"blocks_{block}_{norm}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def norm_factory(norm: str, root: Path):
    """The value configs/default.yaml gives ConvNet's ``norm`` for this answer."""
    if norm == "group":
        return blocks_module(root, "plain", "group").GroupNorm2d
    if norm == "layer":
        return blocks_module(root, "plain", "layer").LayerNorm2d
    return {
        "batch": nn.BatchNorm2d,
        "instance": functools.partial(nn.InstanceNorm2d, affine=True),
        "none": None,
    }[norm]


def test_the_activation_table_matches_copier_yml() -> None:
    assert set(ACTIVATIONS) == set(CATALOGUE["activation"].choices)


@pytest.fixture(autouse=True)
def one_thread() -> None:
    # Hundreds of tiny networks: thread start-up costs more than it saves, and xdist
    # workers already share the cores.
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def render_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("blocks")


@pytest.mark.parametrize("padding_mode", CATALOGUE["padding_mode"].choices)
@pytest.mark.parametrize("activation", CATALOGUE["activation"].choices)
@pytest.mark.parametrize("norm", CATALOGUE["norm"].choices)
@pytest.mark.parametrize(
    "block", [pytest.param(b, marks=pytest.mark.xdist_group(b)) for b in CATALOGUE["block"].choices]
)
def test_backbone_shapes_gradients_and_determinism(
    block: str, norm: str, activation: str, padding_mode: str, render_root: Path
) -> None:
    module = blocks_module(render_root, block)

    def build() -> nn.Module:
        torch.manual_seed(0)
        return module.ConvNet(
            widths=[4, 8],
            depth=2,
            norm=norm_factory(norm, render_root),
            activation=ACTIVATIONS[activation],
            padding_mode=padding_mode,
            pool="stride" if block == "residual" else "max",
        )

    images = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    network = build()
    features = network(images)
    assert features.shape == (2, 8, 2, 2)
    assert network.out_channels == 8

    features.square().mean().backward()
    for name, parameter in network.named_parameters():
        assert parameter.grad is not None, f"no gradient reaches {name}"
        assert parameter.grad.isfinite().all(), f"non-finite gradient in {name}"
    assert any(p.grad.abs().sum() > 0 for p in network.parameters())

    assert torch.equal(build()(images), features.detach())


@pytest.mark.parametrize("pool", CATALOGUE["pool"].choices)
def test_stage_dropout_drops_whole_channels_after_every_stage(pool: str, render_root: Path) -> None:
    module = blocks_module(render_root, "plain")
    torch.manual_seed(0)
    # tanh, unlike ReLU, leaves no channel at zero by itself.
    network = module.ConvNet(widths=[4, 8, 16], activation=nn.Tanh, pool=pool, stage_dropout=0.5)
    dropouts = [layer for layer in network if isinstance(layer, nn.Dropout2d)]
    assert len(dropouts) == 3 and all(layer.p == 0.5 for layer in dropouts)
    assert isinstance(network[-1], nn.Dropout2d)

    features = network.train()(torch.randn(2, 3, 16, 16))
    per_channel = features.flatten(2).abs().sum(-1)
    assert (per_channel == 0).any(), "no channel was dropped"
    assert (per_channel != 0).any()
    network.eval()
    assert torch.equal(network(torch.ones(1, 3, 16, 16)), network(torch.ones(1, 3, 16, 16)))
    assert not any(isinstance(layer, nn.Dropout2d) for layer in module.ConvNet(widths=[4]))
