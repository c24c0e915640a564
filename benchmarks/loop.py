"""Loop overhead: the generated LightningModule + Trainer vs a plain PyTorch loop, steps/s.

Both train the same model object on the same in-memory batches (batch 64, 64 x 64 images) with
the same optimizer: the generated side through the project's own CLI (configs/default.yaml, its
callbacks and logger as generated), the plain side in a loop written here (forward, loss,
backward, step). Rounds alternate A B A B; the first steps of each run are warm-up and not
timed, so set-up and the end-of-epoch checkpoint are left out of both.
"""

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from lightning.pytorch import Callback

from benchmarks.common import interleaved, ratio, record, render_project, write_demo_data

WARMUP = 3


class StepClock(Callback):
    """Times the training batches after the warm-up ones."""

    def __init__(self) -> None:
        self.start = self.end = 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if batch_idx == WARMUP:
            self.start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        self.end = time.perf_counter()


class InMemory:
    """The batches as one iterable loader (a bare list would read as a list of loaders)."""

    def __init__(self, batches: list) -> None:
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def plain_loop(model: torch.nn.Module, optimizer, batches: list, loss_of: Callable) -> float:
    """Steps per second of a hand-written loop over the batches (after the warm-up steps)."""
    model.train()
    start = 0.0
    for index, batch in enumerate(batches):
        if index == WARMUP:
            start = time.perf_counter()
        loss = loss_of(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return (len(batches) - WARMUP) / (time.perf_counter() - start)


def classification_batches(steps: int, num_classes: int) -> list:
    generator = torch.Generator().manual_seed(0)
    return [
        (
            torch.randn(64, 3, 64, 64, generator=generator),
            torch.randint(num_classes, (64,), generator=generator),
        )
        for _ in range(steps)
    ]


def main() -> None:
    """Measure both loops on the default classification project and report the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=23)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())

    with tempfile.TemporaryDirectory() as scratch:
        project = render_project(Path(scratch) / "p", project_name="Loop Bench")
        data = write_demo_data(project, "loop_bench", "--train-images=12", "--val-images=3")
        from loop_bench.__main__ import cli_main

        def generated_cli(log_dir: str):
            return cli_main(
                [
                    f"--config={project / 'configs' / 'default.yaml'}",
                    f"--data.data_dir={data}",
                    f"--trainer.max_steps={args.steps}",
                    "--trainer.accelerator=cpu",
                    "--trainer.num_sanity_val_steps=0",
                    f"--trainer.logger.init_args.save_dir={log_dir}",
                ],
                run=False,
            )

        model = generated_cli(str(Path(scratch) / "logs")).model
        batches = classification_batches(args.steps, model.hparams.num_classes)
        optimizer = model.optimizer(model.parameters())

        def lightning_rate() -> float:
            cli = generated_cli(str(Path(scratch) / "logs"))
            clock = StepClock()
            cli.trainer.callbacks.append(clock)
            cli.trainer.fit(model, train_dataloaders=InMemory(batches))
            return (args.steps - WARMUP) / (clock.end - clock.start)

        def plain_rate() -> float:
            return plain_loop(model, optimizer, batches, lambda m, b: m.loss(m(b[0]), b[1]))

        rates = interleaved({"lightning": lightning_rate, "plain": plain_rate}, args.rounds)
    figures = {
        "classification": {
            "generated_steps_per_s": round(max(rates["lightning"]), 3),
            "plain_steps_per_s": round(max(rates["plain"]), 3),
            "ratio": round(ratio(rates, "lightning", "plain"), 3),
            "target": 0.95,
            "batch": 64,
            "image_size": 64,
        }
    }
    for task, row in figures.items():
        print(
            f"Loop overhead ({task}): generated {row['generated_steps_per_s']} steps/s vs plain "
            f"loop {row['plain_steps_per_s']} steps/s: {row['ratio']}x (target >= 0.95x)"
        )
    if args.json:
        record(args.json, "loop_overhead", figures)


if __name__ == "__main__":
    main()
