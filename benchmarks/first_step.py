"""Time to first step: from nothing to one finished training step, with fresh processes.

Runs what a new user runs, each as its own process: ``scaffold new`` (render, git init, first
commit), the project's ``demo_data`` command, then ``python -m <package> fit`` on
configs/default.yaml stopped after one training step (no sanity validation, no validation).
Also times ``python -c "import <package>.__main__"`` alone, to split the fit into importing
torch, Lightning and the project, and the rest (building the CLI, data set-up, the step,
the checkpoint). Target: under 15 s in all on 2 cores; over it, the command exits with 1, so
that ``make bench`` fails.

Most of that time is the libraries' own import, which any Lightning project pays and which
varies from machine to machine. So the same run also times a floor: a hand-written Lightning
script that trains one step of a small CNN on random tensors in memory. The difference is what
the generated project adds: rendering, writing the demo data, the CLI and config, the real data.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import record

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET_S = 15.0
PACKAGE = "first_step"
HAND_WRITTEN = """
import lightning.pytorch as pl
import torch
import torchvision  # an image project's transforms and models
from torch import nn


class Model(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 3)
        )

    def training_step(self, batch, batch_idx):
        images, labels = batch
        return nn.functional.cross_entropy(self.net(images), labels)

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters())


data = torch.utils.data.TensorDataset(torch.randn(32, 3, 64, 64), torch.randint(3, (32,)))
trainer = pl.Trainer(
    max_steps=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
    enable_model_summary=False,
)
trainer.fit(Model(), torch.utils.data.DataLoader(data, batch_size=32))
"""


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def cold_start(workdir: Path) -> dict[str, float]:
    """One run from an empty folder; seconds per phase."""
    project = workdir / "project"
    new = [str(BIN / "scaffold"), "new", str(project), "--defaults", "--ref", "HEAD"]
    new += ["--data", "project_name=First Step", "--no-demo-data"]
    seconds = {"scaffold_new": timed(new, workdir)}
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    python = [sys.executable]
    demo = [*python, "-m", f"{PACKAGE}.demo_data", "data"]
    seconds["demo_data"] = timed(demo, project, env)
    fit = [*python, "-m", PACKAGE, "fit", "--config", "configs/default.yaml"]
    fit += ["--trainer.max_steps=1", "--trainer.num_sanity_val_steps=0"]
    fit += ["--trainer.limit_val_batches=0", "--trainer.enable_progress_bar=false"]
    seconds["fit_one_step"] = timed(fit, project, env)
    seconds["of_which_imports"] = timed([*python, "-c", f"import {PACKAGE}.__main__"], project, env)
    seconds["total"] = seconds["scaffold_new"] + seconds["demo_data"] + seconds["fit_one_step"]
    seconds["hand_written_floor"] = timed([*python, "-c", HAND_WRITTEN], workdir)
    seconds["added_by_project"] = seconds["total"] - seconds["hand_written_floor"]
    return seconds


def main() -> None:
    """Run the cold start a few times and report the median of each phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    runs = []
    for _ in range(args.repeat):
        workdir = Path(tempfile.mkdtemp(prefix="bench-first-step-"))
        try:
            runs.append(cold_start(workdir))
        finally:
            shutil.rmtree(workdir)
    figures = {phase: round(statistics.median(run[phase] for run in runs), 2) for phase in runs[0]}
    figures |= {
        "target_s": TARGET_S,
        "within_target": figures["total"] < TARGET_S,
        "repeat": args.repeat,
        "cpu_cores": len(os.sched_getaffinity(0)),
    }
    print(
        f"Time to first step: {figures['total']:.1f} s on {figures['cpu_cores']} cores (target "
        f"< {TARGET_S:.0f} s): scaffold new {figures['scaffold_new']:.1f} s, demo data "
        f"{figures['demo_data']:.1f} s, fit to one step {figures['fit_one_step']:.1f} s (of "
        f"which imports {figures['of_which_imports']:.1f} s); medians of {args.repeat}. A "
        f"hand-written Lightning script takes {figures['hand_written_floor']:.1f} s to its first "
        f"step on random tensors here, so the project adds {figures['added_by_project']:.1f} s."
    )
    if args.json:
        record(args.json, "time_to_first_step", figures)
    if not figures["within_target"]:  # `make bench` stops here: a slower first step is a bug
        total = figures["total"]
        sys.exit(f"Time to first step {total:.1f} s is over its {TARGET_S:.0f} s target.")


if __name__ == "__main__":
    main()
