"""A training run killed with SIGKILL resumes with ``fit --ckpt_path last`` at its saved step."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from tests.helpers import render, run_project_python

PACKAGE = "shapes_classifier"
FIT = [
    "--config=configs/every_step.yaml",
    "--data.image_size=32",
    "--data.batch_size=2",
    "--data.num_workers=0",
    "--trainer.accelerator=cpu",
    "--trainer.enable_progress_bar=false",
]


def checkpoint_every_step(project: Path) -> None:
    """The default config, but ``last.ckpt`` is rewritten after every training step."""
    config = yaml.safe_load((project / "configs" / "default.yaml").read_text())
    for callback in config["trainer"]["callbacks"]:
        if callback.get("init_args", {}).get("filename") == "last":
            callback["init_args"]["every_n_train_steps"] = 1
    (project / "configs" / "every_step.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def project_with_demo_data(tmp_path: Path, train_images: int) -> Path:
    """The default project with small demo images, checkpointing after every step."""
    project = render(tmp_path / "shapes")
    demo = run_project_python(
        project, "-m", f"{PACKAGE}.demo_data", "data", f"--train-images={train_images}",
        "--val-images=6", "--test-images=6", "--image-size=32",
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    checkpoint_every_step(project)
    return project


def saved_step(checkpoint: Path) -> int:
    return torch.load(checkpoint, weights_only=False, map_location="cpu")["global_step"]


@pytest.mark.slow
def test_a_run_killed_mid_epoch_resumes_at_its_saved_step(tmp_path: Path) -> None:
    project = project_with_demo_data(tmp_path, train_images=100)
    last = project / "logs" / PACKAGE / "version_0" / "checkpoints" / "last.ckpt"

    run = subprocess.Popen(
        [sys.executable, "-m", PACKAGE, "fit", *FIT, "--trainer.max_epochs=1"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        # Kill it while it writes: after the fifth step, with 50 steps in its epoch.
        while not (last.exists() and saved_step(last) >= 5):
            assert run.poll() is None, run.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "no checkpoint after 120 s"
            time.sleep(0.05)
    except Exception:
        run.kill()
        raise
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    run.stderr.close()
    assert run.returncode == -signal.SIGKILL

    killed_at = saved_step(last)  # loads: the kill never leaves a half-written checkpoint
    assert 5 <= killed_at < 50
    # The kill may land while a checkpoint is written: only the hidden partial file suffers.
    kept = [path.name for path in last.parent.iterdir() if not path.name.startswith(".")]
    assert kept == ["last.ckpt"]

    resume = ["fit", *FIT, "--ckpt_path=last", f"--trainer.max_steps={killed_at + 2}"]
    resumed = run_project_python(project, "-m", PACKAGE, *resume)

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    restored = f"Restored all states from the checkpoint at {last.relative_to(project)}"
    assert restored in resumed.stderr
    # The run goes on in its own folder, so its checkpoint callbacks restore what they knew.
    assert [run.name for run in (project / "logs" / PACKAGE).iterdir()] == ["version_0"]
    assert "The dirpath has changed" not in resumed.stderr
    assert "exists and is not empty" not in resumed.stderr
    assert saved_step(last) == killed_at + 2  # two steps on from where it was killed


def test_a_run_stopped_before_its_first_log_resumes_in_its_folder_quietly(tmp_path: Path) -> None:
    """No ``metrics.csv`` yet: the resumed run writes one, with no warning about its folder."""
    project = project_with_demo_data(tmp_path, train_images=20)
    run = project / "logs" / PACKAGE / "version_0"

    first = run_project_python(project, "-m", PACKAGE, "fit", *FIT, "--trainer.max_steps=2")
    assert first.returncode == 0, first.stderr[-3000:]
    (run / "metrics.csv").unlink()  # as a kill before the first write of the metrics leaves it
    resumed = run_project_python(
        project, "-m", PACKAGE, "fit", *FIT, "--ckpt_path=last", "--trainer.max_steps=6"
    )

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Restored all states" in resumed.stderr
    assert "exists and is not empty" not in resumed.stderr
    assert saved_step(run / "checkpoints" / "last.ckpt") == 6
    assert "train/loss" in (run / "metrics.csv").read_text()
