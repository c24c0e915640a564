"""Loop overhead: the generated LightningModule + Trainer vs a plain PyTorch loop, per task.

For each task, both sides train the same model object on the same in-memory batches with the
same optimizer. The batches are the project's own train batches (uint8 images, as its loader
yields them), collected once. The generated side runs through the project's CLI
(configs/default.yaml, its callbacks, logger and per-step metrics as generated, its data
module's batch-transfer hook); the plain side is a loop written here: normalise, forward, loss,
backward, step. Rounds alternate A B A B; the first steps of each run are warm-up and not
timed, so set-up and the end-of-epoch checkpoint are left out of both.
"""

import argparse
import itertools
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import torch
from lightning.pytorch import Callback

from benchmarks.common import (
    InMemory,
    interleaved,
    ratio,
    record,
    render_project,
    write_demo_data,
)

WARMUP = 3
TARGET = 0.95


@dataclass(frozen=True)
class Case:
    """One task's default project, shrunk to what a few timed steps need."""

    answers: dict = field(default_factory=dict)
    batch_size: int = 64
    steps: int = 13
    demo_args: tuple[str, ...] = ("--train-images=64", "--val-images=8", "--test-images=8")


CASES = {
    "classification": Case(),
    "multilabel": Case({"task": "multilabel", "dataset_layout": "csv"}),
    "regression": Case({"task": "regression", "dataset_layout": "csv"}),
    "segmentation": Case({"task": "segmentation"}, batch_size=16, steps=13),
    "detection": Case({"task": "detection"}, batch_size=8, steps=8),
}


class StepClock(Callback):
    """Times the training batches after the warm-up ones."""

    def __init__(self) -> None:
        self.start = self.end = 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if batch_idx == WARMUP:
            self.start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        self.end = time.perf_counter()


def plain_loop(model: torch.nn.Module, optimizer, batches: list, loss_of: Callable) -> float:
    """Steps per second of a hand-written loop over the batches (after the warm-up steps)."""
    model.train()
    start = 0.0
    for index, batch in enumerate(batches):
        if index == WARMUP:
            start = time.perf_counter()
        loss = loss_of(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return (len(batches) - WARMUP) / (time.perf_counter() - start)


def plain_loss(task: str, model, transforms) -> Callable:
    """The loss of one batch as a hand-written loop computes it, from the loader's uint8 batch."""
    if task == "detection":
        return lambda batch: sum(model.detector(transforms.to_float(batch[0]), batch[1]).values())
    normalize = transforms.Normalize()
    if task == "regression":

        def regression_loss(batch):
            standardised = model.head(model.backbone(normalize(batch[0])))
            return model.loss(standardised, (batch[1] - model.target_mean) / model.target_std)

        return regression_loss
    if task == "segmentation":
        return lambda batch: model.loss(model(normalize(batch[0])), batch[1].long())
    return lambda batch: model.loss(model(normalize(batch[0])), batch[1])


def measure(task: str, case: Case, scratch: Path, rounds: int) -> dict:
    """Render the task's project, collect its batches, and time both loops in turn."""
    name = f"Loop {task}"
    package = name.lower().replace(" ", "_")
    project = render_project(scratch / task, project_name=name, **case.answers)
    data = write_demo_data(project, package, *case.demo_args)
    cli_main = import_module(f"{package}.__main__").cli_main
    transforms = import_module(f"{package}.transforms")

    def generated_cli():
        return cli_main(
            [
                f"--config={project / 'configs' / 'default.yaml'}",
                f"--data.data_dir={data}",
                f"--data.batch_size={case.batch_size}",
                "--data.num_workers=0",
                f"--trainer.max_steps={case.steps}",
                "--trainer.accelerator=cpu",
                "--trainer.limit_val_batches=0",
                "--trainer.num_sanity_val_steps=0",
                "--trainer.enable_progress_bar=false",
                f"--trainer.logger.init_args.save_dir={scratch / 'logs' / task}",
            ],
            run=False,
        )

    first = generated_cli()
    model, datamodule = first.model, first.datamodule
    datamodule.setup("fit")
    loaded = list(datamodule.train_dataloader())
    batches = list(itertools.islice(itertools.cycle(loaded), case.steps))
    datamodule.train_dataloader = lambda: InMemory(batches)
    optimizer = model.optimizer(model.parameters())
    loss_of = plain_loss(task, model, transforms)

    def lightning_rate() -> float:
        cli = generated_cli()
        clock = StepClock()
        cli.trainer.callbacks.append(clock)
        cli.trainer.fit(model, datamodule=datamodule)
        return (case.steps - WARMUP) / (clock.end - clock.start)

    def plain_rate() -> float:
        return plain_loop(model, optimizer, batches, loss_of)

    rates = interleaved({"lightning": lightning_rate, "plain": plain_rate}, rounds)
    return {
        "generated_steps_per_s": round(max(rates["lightning"]), 3),
        "plain_steps_per_s": round(max(rates["plain"]), 3),
        "ratio": round(ratio(rates, "lightning", "plain"), 3),
        "target": TARGET,
        "batch": case.batch_size,
        "timed_steps": case.steps - WARMUP,
        "rounds": rounds,
    }


def main() -> None:
    """Measure both loops for each task and report the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        for task in args.tasks:
            row = figures[task] = measure(task, CASES[task], Path(scratch), args.rounds)
            print(
                f"Loop overhead ({task}, batch {row['batch']}): generated "
                f"{row['generated_steps_per_s']} steps/s vs plain loop "
                f"{row['plain_steps_per_s']} steps/s: {row['ratio']}x (target >= {TARGET}x)"
            )
    if args.json:
        record(args.json, "loop_overhead", figures)


if __name__ == "__main__":
    main()
