"""Projects on the csv layout train from their demo data and predict a usable CSV file."""

import csv
import math
from pathlib import Path

import pytest
import torch

from tests.helpers import render, run_project_python

FAST = [
    "--config=configs/default.yaml",
    "--data.image_size=32",
    "--data.batch_size=4",
    "--data.num_workers=0",
    "--trainer.enable_progress_bar=false",
]
SHAPES = ["circle", "square", "triangle"]

# The documented commands, run in one interpreter: importing torch costs more than the training.
COMMANDS = """
import runpy
import sys

from {package}.__main__ import cli_main

sys.argv = ["demo_data", "data", "--train-images=8", "--val-images=5", "--test-images=6",
            "--image-size=32"]
runpy.run_module("{package}.demo_data", run_name="__main__")
sys.argv = sys.argv[:1]
cli_main(["fit", *{fast!r}, "--trainer.max_epochs=1"])
cli_main(["predict", *{fast!r}, "--ckpt_path={checkpoint}", *{predict_options!r}])
"""


def train_and_predict(project: Path, package: str, *predict_options: str) -> list[dict[str, str]]:
    """Write demo data, train one epoch, predict with the last checkpoint; the predicted rows."""
    commands = COMMANDS.format(
        package=package,
        fast=FAST,
        checkpoint=f"logs/{package}/version_0/checkpoints/last.ckpt",
        predict_options=list(predict_options),
    )
    result = run_project_python(project, "-c", commands)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Wrote 19 images to data" in result.stdout
    with (project / "predictions.csv").open(newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.slow
def test_classification_predicts_a_class_and_probabilities(tmp_path: Path) -> None:
    project = render(tmp_path / "p", task="classification", dataset_layout="csv", project_name="C")
    rows = train_and_predict(project, "c", "--data.predict_dir=data/test")

    assert list(rows[0]) == ["path", "prediction", *SHAPES]
    assert sorted(Path(row["path"]).name for row in rows) == [f"{i:04d}.png" for i in range(6)]
    for row in rows:
        probs = [float(row[name]) for name in SHAPES]
        assert abs(sum(probs) - 1) < 1e-3
        assert row["prediction"] == SHAPES[probs.index(max(probs))]


@pytest.mark.slow
def test_multilabel_predicts_the_labels_over_the_threshold(tmp_path: Path) -> None:
    project = render(tmp_path / "p", task="multilabel", project_name="M")

    rows = train_and_predict(project, "m", "--data.predict_dir=data/test", "--model.threshold=0.4")

    with (project / "data/train.csv").open(newline="") as file:
        demo_rows = list(csv.DictReader(file))
    assert {name for row in demo_rows for name in row["labels"].split()} == set(SHAPES)
    assert list(rows[0]) == ["path", "labels", *SHAPES]
    assert len(rows) == 6
    for row in rows:
        probs = {name: float(row[name]) for name in SHAPES}
        assert all(0 <= p <= 1 for p in probs.values())
        assert row["labels"].split() == [name for name in SHAPES if probs[name] >= 0.4]


@pytest.mark.slow
def test_regression_predicts_targets_in_their_own_units(tmp_path: Path) -> None:
    project = render(tmp_path / "p", task="regression", project_name="R")

    rows = train_and_predict(project, "r")  # no predict_dir: the images val.csv lists

    with (project / "data/train.csv").open(newline="") as file:
        train = list(csv.DictReader(file))
    with (project / "data/val.csv").open(newline="") as file:
        val = list(csv.DictReader(file))
    assert list(rows[0]) == ["path", "count", "area"]
    assert [row["path"] for row in rows] == [f"data/{row['image']}" for row in val]
    assert all(math.isfinite(float(row[name])) for row in rows for name in ("count", "area"))
    # The checkpoint carries the train-set statistics that turn outputs back into counts and areas.
    targets = torch.tensor([[float(row["count"]), float(row["area"])] for row in train])
    state = torch.load(project / "logs/r/version_0/checkpoints/last.ckpt", weights_only=False)
    assert torch.allclose(state["state_dict"]["target_mean"], targets.mean(dim=0))
    assert torch.allclose(state["state_dict"]["target_std"], targets.std(dim=0, correction=0))
