"""Detector x precision x seed sweep of the generated one-step CPU training test.

Renders one detection project per detector and precision, writes its test demo data once, then
runs the project's own ``test_fit_one_step_on_cpu`` check (``one_step_cli`` from its
tests/conftest.py, ``fit_and_check_one_step`` from its tests/test_train.py) once per seed, with
``--seed_everything=SEED``, in ONE process per project, so that torch is imported once per
project. Records, per run, whether the test passed, its losses, and which parameters got
non-finite gradients; then checks the bare convolution behind the failures (``kernel_check``)::

    python -m benchmarks.detector_sweep --json benchmarks/records/detector-sweep.json
    python -m benchmarks.detector_sweep --detectors retinanet_resnet50_fpn --seeds 2 18

On the CPU, Lightning runs 16-mixed as bf16-mixed; 16-mixed is still swept, as the generated
project (and its test) differ.
"""

import argparse
import importlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from benchmarks.common import ROOT, record, render_project
from scaffolder.template import questions

DETECTORS = questions(str(ROOT))["detector"].choices
# The precisions copier.yml allows for detection (NMS has no bfloat16 or float16 CPU kernel).
PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")


def package_name(detector: str, precision: str) -> str:
    """A package name of at most 24 characters, such as ``sw_retinanet_bf16_mixed``."""
    return f"sw_{detector.split('_')[0][:9]}_{precision.replace('-', '_')}"


def load_module(name: str, path: Path) -> ModuleType:
    """Import a generated test module (tests/ is no package) under a name of our own."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_seeds(project: Path, data_dir: Path, seeds: list[int], output: Path) -> None:
    """In this process: demo data, then the project's one-step CPU test once per seed.

    The records go to ``output`` after each run, so that a crash keeps those before it.
    """
    import torch
    from lightning.pytorch import Callback

    conftest = load_module("sweep_conftest", project / "tests" / "conftest.py")
    test_train = load_module("sweep_test_train", project / "tests" / "test_train.py")
    package = next(path.name for path in (project / "src").iterdir() if path.is_dir())
    # As the conftest's demo_data_dir fixture writes it (a fixture cannot be called directly).
    importlib.import_module(f"{package}.demo_data").write_demo_dataset(
        data_dir, train_images=12, val_images=6, test_images=6, image_size=conftest.IMAGE_SIZE
    )

    class Diagnose(Callback):
        """Which parameters get non-finite gradients, and in which dtype."""

        def __init__(self) -> None:
            self.non_finite: dict[str, str] = {}

        def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:  # noqa: ANN001
            for name, parameter in pl_module.named_parameters():
                grad = parameter.grad
                if grad is not None and not grad.isfinite().all():
                    self.non_finite[name] = str(grad.dtype)

    runs = []
    for seed in seeds:
        start = time.perf_counter()
        diagnose = Diagnose()
        error = None
        # Each run writes two checkpoints (about 0.7 GB for RetinaNet with AdamW): delete them.
        with tempfile.TemporaryDirectory(prefix=f"sweep-seed{seed}-") as log_dir:
            cli = conftest.one_step_cli(
                data_dir,
                Path(log_dir),
                "--trainer.accelerator=cpu",
                f"--seed_everything={seed}",
                "--trainer.enable_model_summary=false",
            )
            cli.trainer.callbacks.append(diagnose)
            try:
                test_train.fit_and_check_one_step(cli)
            except AssertionError as failure:
                error = str(failure).splitlines()[0]
        metrics = cli.trainer.callback_metrics
        runs.append(
            {
                "seed": seed,
                "passed": error is None,
                "error": error,
                "losses": {
                    name: float(value)
                    for name, value in metrics.items()
                    if name.startswith("train/")
                },
                "non_finite_gradients": len(diagnose.non_finite),
                "first_non_finite": dict(list(diagnose.non_finite.items())[:5]),
                "seconds": round(time.perf_counter() - start, 2),
                "torch_threads": torch.get_num_threads(),
            }
        )
        output.write_text(json.dumps(runs))


def kernel_check(trials: int = 50) -> dict:
    """How often the bare P7 convolution's weight gradient holds garbage, per precision.

    P7 at the tests' 64-pixel images: 256 to 256 channels, 3x3, stride 2, on a map one pixel
    wide, so the eight off-centre taps see only padding and their gradient is exactly 0. Memory
    is filled with NaN and freed before each step, so that a kernel reading memory it never
    wrote shows it more often than when the allocator happens to hand it junk.
    """
    import torch

    conv = torch.nn.Conv2d(256, 256, 3, stride=2, padding=1)
    generator = torch.Generator().manual_seed(0)
    counts = {}
    for setting, enabled in (("32-true", False), ("bf16-mixed", True)):
        non_finite = garbage = 0
        largest = 0.0
        for _ in range(trials):
            maps = torch.rand(2, 256, 1, 1, generator=generator)
            upstream = torch.randn(2, 256, 1, 1, generator=generator)
            torch.full((8_000_000,), float("nan"))  # freed at once: NaN left in free memory
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled):
                output = conv(maps)
            output.backward(upstream.to(output.dtype))
            off_centre = conv.weight.grad.clone()
            off_centre[:, :, 1, 1] = 0
            non_finite += not off_centre.isfinite().all()
            garbage += bool(off_centre.ne(0).any())
            largest = max(largest, off_centre.nan_to_num(0, 0, 0).abs().max().item())
            conv.weight.grad = conv.bias.grad = None
        counts[setting] = {
            "trials": trials,
            "off_centre_not_zero": garbage,
            "off_centre_not_finite": non_finite,
            "largest_finite_off_centre": largest,
        }
    return counts


def sweep_project(workdir: Path, detector: str, precision: str, seeds: list[int]) -> dict:
    """Render one project and run its seeds in a fresh process; the summary and the runs."""
    package = package_name(detector, precision)
    project = render_project(
        workdir / package,
        project_name=package,
        package_name=package,
        task="detection",
        dataset_layout="coco",
        detector=detector,
        precision=precision,
        optimizer="adamw",
        scheduler="step",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "src"), str(ROOT)])}
    output = workdir / f"{package}.json"
    command = [sys.executable, "-m", "benchmarks.detector_sweep", "--worker", str(project)]
    command += ["--seeds", *map(str, seeds), "--json", str(output)]
    start = time.perf_counter()
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    runs = json.loads(output.read_text()) if output.is_file() else []
    return {
        "detector": detector,
        "precision": precision,
        "runs": len(runs),
        "failures": sum(not run["passed"] for run in runs) + len(seeds) - len(runs),
        "failed_seeds": [run["seed"] for run in runs if not run["passed"]],
        "process_rc": finished.returncode,
        "process_tail": finished.stderr[-1500:] if finished.returncode else "",
        "seconds": round(seconds, 1),
        "seeds": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detectors", nargs="+", default=list(DETECTORS), choices=DETECTORS)
    parser.add_argument("--precisions", nargs="+", default=list(PRECISIONS))
    parser.add_argument("--num-seeds", type=int, default=20, help="seeds 0..N-1")
    parser.add_argument("--seeds", type=int, nargs="+", help="these seeds instead")
    parser.add_argument("--json", type=Path, help="write the figures under detector_sweep")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    seeds = args.seeds or list(range(args.num_seeds))
    if args.worker:
        with tempfile.TemporaryDirectory(prefix="sweep-data-") as data_dir:
            run_seeds(args.worker, Path(data_dir), seeds, args.json)
        return

    start = time.perf_counter()
    projects = []
    for detector in args.detectors:
        for precision in args.precisions:
            with tempfile.TemporaryDirectory(prefix="detector-sweep-") as workdir:
                projects.append(sweep_project(Path(workdir), detector, precision, seeds))
            last = projects[-1]
            print(
                f"{detector} {precision}: {last['failures']} of {len(seeds)} failed "
                f"{last['failed_seeds']} in {last['seconds']:.0f} s",
                flush=True,
            )
    failures = sum(project["failures"] for project in projects)
    total = len(projects) * len(seeds)
    print(f"{failures} of {total} one-step runs failed in {time.perf_counter() - start:.0f} s")
    kernel = kernel_check()
    for setting, counts in kernel.items():
        print(
            f"bare P7 convolution, {setting}: garbage in the weight gradient in "
            f"{counts['off_centre_not_zero']} of {counts['trials']} steps"
        )
    if args.json:
        import torch
        import torchvision

        figures = {
            "failures": failures,
            "runs": total,
            "seconds": round(time.perf_counter() - start, 1),
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "python": platform.python_version(),
            "cpu_cores": len(os.sched_getaffinity(0)),
            "kernel_check": kernel,
            "projects": projects,
        }
        record(args.json, "detector_sweep", figures)


if __name__ == "__main__":
    main()
