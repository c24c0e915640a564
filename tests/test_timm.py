"""timm backbones: any model by name, for the pooled heads and for segmentation's decoder.

One project per task is rendered with ``backbone: timm``; the YAML then switches models by
name alone (``--model.backbone.init_args.name``), each training one step on the demo data.
"""

from pathlib import Path

import pytest

from tests.helpers import render, run_project_python, write_demo_data

TRAIN_ONE_STEP = """
import math, sys
from {package}.__main__ import cli_main

for name in sys.argv[1:]:
    cli = cli_main(
        [
            "--config=configs/default.yaml",
            "--data.data_dir=data",
            "--data.image_size=32",
            "--data.batch_size=4",
            "--data.num_workers=0",
            "--trainer.accelerator=cpu",
            "--trainer.max_steps=1",
            "--trainer.limit_val_batches=1",
            "--trainer.num_sanity_val_steps=0",
            "--trainer.enable_progress_bar=false",
            f"--model.backbone.init_args.name={{name}}",
        ],
        run=False,
    )
    cli.trainer.fit(cli.model, datamodule=cli.datamodule)
    loss = float(cli.trainer.callback_metrics["train/loss"])
    assert cli.trainer.global_step == 1 and math.isfinite(loss), (name, loss)
    print(name, loss)
"""

MODELS = {
    "classification": ["resnet18", "efficientnet_b0", "convnext_nano", "vit_tiny_patch16_224"],
    "segmentation": ["convnext_nano", "vit_tiny_patch16_224"],
}


@pytest.mark.slow
@pytest.mark.parametrize("task", list(MODELS))
def test_timm_models_train_one_step_switched_by_name(tmp_path: Path, task: str) -> None:
    project = render(tmp_path / "project", task=task, backbone="timm", ci="none")
    package = {"classification": "shapes_classifier", "segmentation": "shapes_segmenter"}[task]
    write_demo_data(project, package, image_size=32)
    script = TRAIN_ONE_STEP.format(package=package)
    result = run_project_python(project, "-c", script, *MODELS[task])
    assert result.returncode == 0, result.stderr[-4000:]
    words = [line.split() for line in result.stdout.splitlines()]
    trained = [line[0] for line in words if line and line[0] in MODELS[task]]
    assert trained == MODELS[task]  # each printed after its step


@pytest.mark.slow
def test_a_misspelt_timm_model_is_one_sentence_with_close_matches(tmp_path: Path) -> None:
    project = render(tmp_path / "project", task="classification", backbone="timm", ci="none")
    result = run_project_python(
        project,
        "-m",
        "shapes_classifier",
        "fit",
        "--config=configs/default.yaml",
        "--model.backbone.init_args.name=resnt18",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "timm has no model 'resnt18'; close matches: resnet18" in result.stderr, result.stderr
