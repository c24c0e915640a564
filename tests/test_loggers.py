"""Experiment trackers: a project logging to MLflow or to W&B (offline) trains, resumes the same
tracked run, and its report draws the curves the tracker holds.

Each project trains two epochs and then resumes for a third (``fit --ckpt_path last``); the
metrics are read back through the tracker's own client (MLflow's ``MlflowClient``, W&B's
``wandb leet inspect``) and compared with what the project's report reads.
"""

import json
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.helpers import render, run_project_python, write_demo_data

PACKAGE = "shapes_classifier"

FIT = [
    "-m",
    PACKAGE,
    "fit",
    "--config=configs/default.yaml",
    "--data.image_size=32",
    "--data.batch_size=4",
    "--data.num_workers=0",
    "--trainer.accelerator=cpu",
    "--trainer.log_every_n_steps=1",
    "--trainer.num_sanity_val_steps=0",
    "--trainer.enable_progress_bar=false",
]

# The project's report reader, run in the project: the series it would draw, as JSON.
READ_METRICS = f"""
import json, sys
from pathlib import Path
from {PACKAGE}.export import read_config
from {PACKAGE}.report import read_metrics

run = Path(sys.argv[1])
logger = read_config(run / "config.yaml")["trainer"]["logger"]
print(json.dumps(read_metrics(run, logger)))
"""


def train_and_resume(project: Path) -> Path:
    """Fit two epochs, then resume for a third; return the run's folder (the one run)."""
    first = run_project_python(project, *FIT, "--trainer.max_epochs=2")
    assert first.returncode == 0, first.stderr[-4000:]
    resumed = run_project_python(project, *FIT, "--trainer.max_epochs=3", "--ckpt_path=last")
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    [checkpoint] = project.glob("logs/*/*/checkpoints/last.ckpt")  # the same run went on
    run = checkpoint.parent.parent
    assert (run / "config.yaml").is_file()
    return run


def report_series(project: Path, run: Path) -> dict[str, list[list[float]]]:
    """What the project's report reads for the run, and check that it draws it."""
    read = run_project_python(project, "-c", READ_METRICS, str(run))
    assert read.returncode == 0, read.stderr[-4000:]
    report = run_project_python(project, "-m", f"{PACKAGE}.report", str(run), "--num_images=2")
    assert report.returncode == 0, report.stderr[-4000:]
    assert (run / "curves.png").stat().st_size > 0
    return json.loads(read.stdout)


@pytest.mark.slow
def test_mlflow_logs_resumes_one_run_and_reports_its_curves(tmp_path: Path) -> None:
    project = render(tmp_path / "project", task="classification", logger="mlflow", ci="none")
    write_demo_data(project, PACKAGE, image_size=32)
    run = train_and_resume(project)

    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    [experiment] = [e for e in client.search_experiments() if e.name == PACKAGE]
    assert run.parent.name == experiment.experiment_id
    tracked = client.get_run(run.name)  # the folder is named by the MLflow run
    assert tracked.info.status == "FINISHED"
    val_loss = client.get_metric_history(run.name, "val/loss")
    assert len(val_loss) == 3  # two epochs, and the resumed third, in one run
    artifacts = {artifact.path for artifact in client.list_artifacts(run.name)}
    assert "last" in artifacts and any(path.startswith("best-") for path in artifacts)

    series = report_series(project, run)
    assert series["val/loss"] == [[point.step, point.value] for point in val_loss]
    assert {"train/loss", "val/acc"} <= set(series)


@pytest.mark.slow
def test_wandb_offline_logs_resumes_one_run_and_reports_its_curves(tmp_path: Path) -> None:
    project = render(tmp_path / "project", task="classification", logger="wandb", ci="none")
    write_demo_data(project, PACKAGE, image_size=32)
    run = train_and_resume(project)

    assert run.parent.name == PACKAGE  # logs/<project>/<run id>
    starts = sorted(project.glob(f"logs/wandb/offline-run-*-{run.name}"))
    assert len(starts) == 2  # W&B keeps the first start and the resumed one, to sync later
    val_loss = []
    for start in starts:
        command = ["-m", "wandb", "leet", "inspect", "--json", str(start)]
        inspect = run_project_python(project, *command)
        assert inspect.returncode == 0, inspect.stderr[-4000:]
        records = [json.loads(line) for line in inspect.stdout.splitlines()]
        [header] = [r["run"] for r in records if r["type"] == "run"]
        assert header["run_id"] == run.name and header["project"] == PACKAGE
        history = [r["history"]["item"] for r in records if r["type"] == "history"]
        steps = [item for item in history if "val/loss" in item]
        val_loss += [[item["trainer/global_step"], item["val/loss"]] for item in steps]
    assert len(val_loss) == 3  # two epochs, and the resumed third, in one W&B run

    series = report_series(project, run)
    assert series["val/loss"] == val_loss
    assert {"train/loss", "val/acc"} <= set(series)
