"""The default project's documented commands work as a user would type them."""

import csv
from pathlib import Path

import pytest
import torch
import yaml

from tests.conftest import render, run_project_python

FAST = [
    "--config=configs/default.yaml",
    "--data.image_size=32",
    "--data.batch_size=4",
    "--data.num_workers=0",
]


@pytest.mark.slow
def test_fit_then_validate_test_and_predict(tmp_path: Path) -> None:
    project = render(tmp_path / "shapes")
    demo = run_project_python(
        project,
        "-m",
        "shapes_classifier.demo_data",
        "data",
        "--train-images=12",
        "--val-images=6",
        "--test-images=6",
        "--image-size=32",
    )
    assert demo.returncode == 0, demo.stderr
    assert "Wrote 24 images to data" in demo.stdout

    printed = run_project_python(project, "-m", "shapes_classifier", "fit", *FAST, "--print_config")
    assert printed.returncode == 0, printed.stderr
    assert "class_path: shapes_classifier.blocks.ConvNet" in printed.stdout
    assert "class_path: torch.optim.AdamW" in printed.stdout

    fit = run_project_python(
        project, "-m", "shapes_classifier", "fit", *FAST, "--trainer.max_epochs=1"
    )
    assert fit.returncode == 0, fit.stderr[-3000:]
    assert "━" in fit.stdout, "no rich progress bar"  # rich draws its bars with this character
    checkpoint = project / "logs/shapes_classifier/version_0/checkpoints/last.ckpt"
    assert torch.load(checkpoint, weights_only=False)["global_step"] == 3  # 12 images, batch 4

    for subcommand, metric in [("validate", "val/acc"), ("test", "test/acc")]:
        result = run_project_python(
            project, "-m", "shapes_classifier", subcommand, *FAST, f"--ckpt_path={checkpoint}"
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert metric in result.stdout

    predict = run_project_python(
        project,
        "-m",
        "shapes_classifier",
        "predict",
        *FAST,
        f"--ckpt_path={checkpoint}",
        "--data.predict_dir=data/test",
    )
    assert predict.returncode == 0, predict.stderr[-3000:]
    rows = list(csv.DictReader((project / "predictions.csv").open()))
    assert len(rows) == 6
    assert {row["prediction"] for row in rows} <= {"circle", "square", "triangle"}
    for row in rows:
        assert abs(sum(float(row[name]) for name in ("circle", "square", "triangle")) - 1) < 1e-3

    resumed = run_project_python(
        project,
        "-m",
        "shapes_classifier",
        "fit",
        *FAST,
        "--trainer.max_epochs=2",
        f"--ckpt_path={checkpoint}",
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    runs = project.glob("logs/shapes_classifier/version_*")
    newest = max(runs, key=lambda run: int(run.name.removeprefix("version_")))
    state = torch.load(newest / "checkpoints" / "last.ckpt", weights_only=False)
    assert (state["epoch"], state["global_step"]) == (1, 6)  # the second epoch only


def test_ddp_overlay_merges_over_the_default_config(default_project: Path) -> None:
    overlay = run_project_python(
        default_project,
        "-m",
        "shapes_classifier",
        "fit",
        "--config=configs/default.yaml",
        "--config=configs/ddp.yaml",
        "--print_config",
    )
    assert overlay.returncode == 0, overlay.stderr
    trainer = yaml.safe_load(overlay.stdout)["trainer"]
    assert (trainer["strategy"], trainer["devices"], trainer["sync_batchnorm"]) == ("ddp", -1, True)
    assert trainer["precision"] == "32-true"  # the overlay keeps what it does not name
