"""`make gpu-bench`: training throughput of generated projects on a CUDA GPU, per precision.

For the default conv backbone (blocks) and resnet18, both classification projects at 224 px,
trains through each project's own CLI and configs/default.yaml (its callbacks, logger, data
module hook and model as generated: channels_last weights, cudnn.benchmark, matmul precision
"high") on in-memory pinned uint8 batches that Lightning copies to the GPU at every step, as it
would a loader's. Measures images per second at 32-true, bf16-mixed and 16-mixed, bf16-mixed
without channels_last (to show what it brings), and bf16-mixed with ``model.compile: true``,
whose compile time (the first step's extra seconds) is reported apart. Target: bf16-mixed and
16-mixed at least 2x 32-true. Writes the GPU, the versions and every figure to a JSON file.

``--dry-run`` runs the same machinery on the CPU, without the compile setting (inductor takes
minutes there), to check it in seconds with small images and few steps; its numbers mean
nothing.

A GPU machine often lacks the template's toolchain (Copier, git), so the two halves can run
apart: ``--stage render --workdir DIR`` where the template is, then ``--stage measure --workdir
DIR`` on the GPU machine with DIR copied over.
"""

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import import_module
from pathlib import Path

import torch
import yaml
from lightning.pytorch import Callback

from benchmarks.common import InMemory, parse_staged_args, render_project, write_demo_data

BACKBONES = {"blocks": {}, "resnet18": {"backbone": "resnet18"}}
TARGET_SPEED_UP = 2.0


@dataclass(frozen=True)
class Setting:
    """One way of training a project."""

    precision: str
    compile: bool = False
    channels_last: bool = True

    @property
    def name(self) -> str:
        extras = [] if self.channels_last else ["no channels_last"]
        extras += ["compile"] if self.compile else []
        return self.precision + "".join(f" + {extra}" for extra in extras)


SETTINGS = (
    Setting("32-true"),
    Setting("bf16-mixed"),
    Setting("16-mixed"),
    Setting("bf16-mixed", channels_last=False),
    Setting("bf16-mixed", compile=True),
)


class GPUClock(Callback):
    """Seconds to the end of the first step, and images per second after the warm-up steps.

    The clock waits for the GPU only at those three points, so that it does not stall the
    queue of kernels in between.
    """

    def __init__(self, warmup: int, steps: int, batch_size: int) -> None:
        self.warmup, self.steps, self.batch_size = warmup, steps, batch_size
        self.fit_start = self.first_step_s = self.start = self.images_per_s = 0.0

    def now(self, trainer) -> float:
        if trainer.strategy.root_device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter()

    def on_train_start(self, trainer, pl_module) -> None:
        self.fit_start = self.now(trainer)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if batch_idx == self.warmup:
            self.start = self.now(trainer)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        if batch_idx == 0:
            self.first_step_s = self.now(trainer) - self.fit_start
        if batch_idx == self.steps - 1:
            timed = (self.steps - self.warmup) * self.batch_size
            self.images_per_s = timed / (self.now(trainer) - self.start)


def summarise(rows: list[dict]) -> dict:
    """Speed-ups over 32-true per backbone, and whether mixed precision reaches the target."""
    summary = {}
    for backbone in dict.fromkeys(row["backbone"] for row in rows):
        rate = {row["setting"]: row["images_per_s"] for row in rows if row["backbone"] == backbone}
        baseline = rate["32-true"]
        speed_ups = {name: round(value / baseline, 2) for name, value in rate.items()}
        mixed = [speed_ups[name] for name in ("bf16-mixed", "16-mixed") if name in speed_ups]
        summary[backbone] = {
            "speed_up_over_32_true": speed_ups,
            "mixed_precision_target": TARGET_SPEED_UP,
            "mixed_precision_within_target": all(value >= TARGET_SPEED_UP for value in mixed),
        }
        if {"bf16-mixed", "bf16-mixed + compile"} <= rate.keys():
            compiled = rate["bf16-mixed + compile"] / rate["bf16-mixed"]
            summary[backbone]["compile_speed_up_at_bf16_mixed"] = round(compiled, 2)
        if {"bf16-mixed", "bf16-mixed + no channels_last"} <= rate.keys():
            channels_last = rate["bf16-mixed"] / rate["bf16-mixed + no channels_last"]
            summary[backbone]["channels_last_speed_up_at_bf16_mixed"] = round(channels_last, 2)
    return summary


def measure(
    backbone: str, setting: Setting, project: Path, package: str, args: argparse.Namespace
) -> dict:
    """Train one project in one setting for ``args.steps`` steps; its figures."""
    data = project / "data"
    cli_main = import_module(f"{package}.__main__").cli_main
    cli = cli_main(
        [
            f"--config={project / 'configs' / 'default.yaml'}",
            f"--data.data_dir={data}",
            f"--data.image_size={args.image_size}",
            f"--data.batch_size={args.batch_size}",
            "--data.num_workers=0",
            f"--model.compile={str(setting.compile).lower()}",
            f"--trainer.accelerator={'cpu' if args.dry_run else 'gpu'}",
            "--trainer.devices=1",
            f"--trainer.precision={setting.precision}",
            f"--trainer.max_steps={args.steps}",
            "--trainer.limit_val_batches=0",
            "--trainer.num_sanity_val_steps=0",
            "--trainer.enable_progress_bar=false",
            f"--trainer.logger.init_args.save_dir={project / 'logs'}",
        ],
        run=False,
    )
    generator = torch.Generator().manual_seed(0)
    shape = (args.batch_size, 3, args.image_size, args.image_size)
    distinct = [
        (
            torch.randint(0, 256, shape, dtype=torch.uint8, generator=generator),
            torch.randint(cli.model.hparams.num_classes, (args.batch_size,), generator=generator),
        )
        for _ in range(4)
    ]
    if not args.dry_run:  # as a loader with pin_memory gives them
        distinct = [(images.pin_memory(), labels) for images, labels in distinct]
    batches = [distinct[step % len(distinct)] for step in range(args.steps)]
    cli.datamodule.train_dataloader = lambda: InMemory(batches)
    if not setting.channels_last:
        cli.model.setup = lambda stage: None  # skip the model's switch to channels_last
    clock = GPUClock(args.warmup, args.steps, args.batch_size)
    cli.trainer.callbacks.append(clock)
    cli.trainer.fit(cli.model, datamodule=cli.datamodule)
    return {
        "backbone": backbone,
        "setting": setting.name,
        **asdict(setting),
        "images_per_s": round(clock.images_per_s, 1),
        "first_step_s": round(clock.first_step_s, 2),
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
    }


def project_folder(backbone: str) -> str:
    """The folder name of a backbone's project."""
    return f"gpu_bench_{backbone}"


def prepare(workdir: Path, backbone: str) -> None:
    """Render a backbone's project into ``workdir`` and write its demo data."""
    name = f"GPU Bench {backbone}"
    project = render_project(
        workdir / project_folder(backbone), project_name=name, **BACKBONES[backbone]
    )
    package = yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"]
    write_demo_data(project, package, "--train-images=24", "--val-images=6")


def main() -> None:
    """Refuse without a GPU; otherwise measure every backbone x setting and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("benchmarks/gpu-results.json"))
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--backbones", nargs="+", choices=BACKBONES, default=list(BACKBONES))
    parser.add_argument("--dry-run", action="store_true", help="check the machinery on the CPU")
    args = parse_staged_args(parser)
    if not (args.dry_run or args.stage == "render" or torch.cuda.is_available()):
        sys.exit("gpu-bench needs a CUDA GPU, and torch sees none (torch.cuda.is_available()).")
    settings = [setting for setting in SETTINGS if not (args.dry_run and setting.compile)]

    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        if args.stage in ("all", "render"):
            for backbone in args.backbones:
                prepare(workdir, backbone)
        if args.stage == "render":
            print(f"Rendered {len(args.backbones)} projects with demo data in {workdir}")
            return
        rows = []
        for backbone in args.backbones:
            project = workdir / project_folder(backbone)
            sys.path.insert(0, str(project / "src"))
            package = yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"]
            for setting in settings:
                row = measure(backbone, setting, project, package, args)
                rows.append(row)
                print(
                    f"{backbone:>9} {setting.name:<32} {row['images_per_s']:>9.1f} images/s, "
                    f"first step {row['first_step_s']:.1f} s",
                    flush=True,
                )
    eager_first_step = {
        row["backbone"]: row["first_step_s"] for row in rows if row["setting"] == "bf16-mixed"
    }
    for row in rows:
        if row["compile"]:
            row["compile_s"] = round(row["first_step_s"] - eager_first_step[row["backbone"]], 1)
    figures = {
        "gpu": "none (dry run on the CPU)" if args.dry_run else torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "timed_steps": args.steps - args.warmup,
        "runs": rows,
        "summary": summarise(rows),
    }
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    for backbone, summary in figures["summary"].items():
        speed_ups = ", ".join(f"{k} {v}x" for k, v in summary["speed_up_over_32_true"].items())
        print(f"{backbone} on {figures['gpu']}: {speed_ups}")
    print(f"Figures in {args.json}")


if __name__ == "__main__":
    main()
