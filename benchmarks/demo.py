"""`make demo`: render a task's default project, write its demo data, train it on CPU, report.

Uses the real entry points a user would: `scaffold new`, `python -m <package> fit` with the
project's own configs/default.yaml, and `python -m <package>.report` for the plots. The training
time printed excludes installation and rendering. Ends by saying where the checkpoints, metrics
and plots are, and exits with status 1 when a task's best metric misses its demo target.
`make bench` runs every task and records the figures in benchmarks/results.json.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from scaffolder.template import registry

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# What each task offers, and what its default project must reach on its demo data.
REGISTRY = registry(str(ROOT), "tasks")
TASKS = tuple(REGISTRY)


def monitored_metric(project: Path) -> str:
    """The metric the project's best-checkpoint callback watches, e.g. ``val/acc``."""
    config = yaml.safe_load((project / "configs" / "default.yaml").read_text())
    return next(
        callback["init_args"]["monitor"]
        for callback in config["trainer"]["callbacks"]
        if "monitor" in callback.get("init_args", {})
    )


def run_task(task: str, dest: Path, extra_args: list[str]) -> dict:
    """Render, write demo data and train the task's default project; return its figures."""
    shutil.rmtree(dest, ignore_errors=True)
    start = time.perf_counter()
    # --ref HEAD: demonstrate this checkout's template, not its latest release tag.
    new = [BIN / "scaffold", "new", str(dest), "--defaults", "--ref", "HEAD", "-d", f"task={task}"]
    subprocess.run(new, check=True)
    setup_seconds = time.perf_counter() - start

    package = yaml.safe_load((dest / ".copier-answers.yml").read_text())["package_name"]
    env = {**os.environ, "PYTHONPATH": str(dest / "src")}
    fit = [sys.executable, "-m", package, "fit", "--config", "configs/default.yaml", *extra_args]
    start = time.perf_counter()
    subprocess.run(fit, cwd=dest, env=env, check=True)
    train_seconds = time.perf_counter() - start

    metric = monitored_metric(dest)
    [metrics_file] = dest.glob(f"logs/{package}/version_*/metrics.csv")  # one run
    run_dir = metrics_file.parent
    report = [sys.executable, "-m", f"{package}.report", str(run_dir.relative_to(dest))]
    subprocess.run(report, cwd=dest, env=env, check=True, stdout=subprocess.DEVNULL)
    epochs = [row for row in csv.DictReader(metrics_file.open()) if row.get(metric)]
    final, best = float(epochs[-1][metric]), max(float(row[metric]) for row in epochs)
    return {
        "metric": metric,
        "final": round(final, 4),
        "best": round(best, 4),
        "target": REGISTRY[task]["demo_target"],
        "reached": best >= REGISTRY[task]["demo_target"],
        "epochs": len(epochs),
        "train_seconds": round(train_seconds, 1),
        "render_and_demo_data_seconds": round(setup_seconds, 1),
        "cpu_cores": len(os.sched_getaffinity(0)),
        "command": " ".join(["python", *fit[1:]]),
    }


def where_things_are(dest: Path) -> str:
    """Lines naming the checkpoints, metrics and plots of the project's run."""
    [run_dir] = (path.parent for path in dest.glob("logs/*/version_*/metrics.csv"))
    checkpoints = ", ".join(sorted(path.name for path in (run_dir / "checkpoints").glob("*.ckpt")))
    plots = ", ".join(sorted(path.name for path in run_dir.glob("*.png")))
    return (
        f"The run is in {run_dir}:\n"
        f"  checkpoints  checkpoints/ ({checkpoints})\n"
        f"  metrics      metrics.csv (every logged value by step), config.yaml (the run's config)\n"
        f"  plots        {plots}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=(*TASKS, "all"), default="classification")
    parser.add_argument("--dest", type=Path, default=ROOT / "demo", help="where to render")
    parser.add_argument("--json", type=Path, help="also record the figures in this JSON file")
    parser.add_argument("fit_args", nargs="*", help="extra `fit` arguments, after --")
    args = parser.parse_args()

    tasks = TASKS if args.task == "all" else (args.task,)
    results = {}
    for task in tasks:
        dest = args.dest if len(tasks) == 1 else args.dest / task
        figures = results[task] = run_task(task, dest, args.fit_args)
        print(
            f"\nDemo ({task}): final {figures['metric']} {figures['final']:.3f} "
            f"(best {figures['best']:.3f}, target {figures['target']}) after {figures['epochs']} "
            f"epochs; training took {figures['train_seconds']:.0f} s on {figures['cpu_cores']} "
            f"CPU cores (rendering and demo data {figures['render_and_demo_data_seconds']:.0f} s, "
            "installation not counted)."
        )
        print(where_things_are(dest))
        print(f"The project is in {dest}; its README shows what to run next.")
    if args.json:
        recorded = json.loads(args.json.read_text()) if args.json.is_file() else {}
        recorded.setdefault("demo", {}).update(results)
        args.json.write_text(json.dumps(recorded, indent=2) + "\n")
    missed = [
        f"{task} ({figures['metric']} {figures['best']:.3f} < {figures['target']})"
        for task, figures in results.items()
        if not figures["reached"]
    ]
    if missed:
        sys.exit(f"The demo missed its target: {', '.join(missed)}.")


if __name__ == "__main__":
    main()
