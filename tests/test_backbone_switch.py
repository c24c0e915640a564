"""A rendered project trains with either kind of backbone, switched in the YAML, not re-rendered.

blocks.py (the small CNN) and backbones.py (torchvision models) are in every project, so the
``model.backbone`` of configs/default.yaml can name either, as the generated README says.
"""

from pathlib import Path

import pytest
import yaml

from tests.helpers import render, run_project_python, write_demo_data

FAST = [
    "--data.image_size=32",
    "--data.batch_size=4",
    "--data.num_workers=0",
    "--trainer.max_epochs=1",
    "--trainer.limit_train_batches=1",
    "--trainer.limit_val_batches=1",
    "--trainer.enable_progress_bar=false",
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("answers", "backbone"),
    [
        # A torchvision project switched to the block CNN ...
        (
            {"backbone": "resnet18"},
            {"class_path": "blocks.ConvNet", "init_args": {"widths": [8, 16]}},
        ),
        # ... and a block project to a torchvision model that is not a ResNet.
        (
            {},
            {"class_path": "backbones.FeatureStages", "init_args": {"name": "mobilenet_v3_small"}},
        ),
    ],
)
def test_a_segmentation_project_trains_with_the_other_kind_of_backbone(
    answers: dict, backbone: dict, tmp_path: Path
) -> None:
    project = render(tmp_path / "p", task="segmentation", ci="none", **answers)
    package = "shapes_segmenter"
    write_demo_data(project, package, image_size=32)
    config_path = project / "configs" / "default.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["model"]["backbone"] = {**backbone, "class_path": f"{package}.{backbone['class_path']}"}
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    fit = run_project_python(project, "-m", package, "fit", "--config=configs/default.yaml", *FAST)

    assert fit.returncode == 0, fit.stderr[-3000:]
    [run_config] = (project / "logs" / package).glob("*/config.yaml")
    used = yaml.safe_load(run_config.read_text())["model"]["backbone"]
    assert used["class_path"] == config["model"]["backbone"]["class_path"]
    assert list((project / "logs" / package).glob("*/checkpoints/last.ckpt"))
