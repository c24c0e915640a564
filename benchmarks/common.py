"""What the benchmarks share: a rendered project with demo data, and interleaved timing."""

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scaffolder.project import package_env

ROOT = Path(__file__).resolve().parents[1]


def render_project(destination: Path, **answers: Any) -> Path:
    """Render this checkout (uncommitted changes included); make its package importable."""
    import copier  # here, so that a GPU machine without Copier can measure rendered projects

    copier.run_copy(str(ROOT), destination, data=answers, defaults=True, vcs_ref="HEAD", quiet=True)
    sys.path.insert(0, str(destination / "src"))
    return destination


def write_demo_data(project: Path, package: str, *args: str) -> Path:
    """Write the project's demo dataset into ``project/data`` with its own command."""
    data = project / "data"
    command = [sys.executable, "-m", f"{package}.demo_data", str(data), *args]
    subprocess.run(command, check=True, env=package_env(project), capture_output=True)
    return data


def parse_staged_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, with ``--workdir`` and ``--stage`` added: render, or measure, or both.

    A GPU machine often lacks Copier, so ``--stage render`` renders the projects and their data
    where the template is and ``--stage measure`` times them there, ``--workdir`` copied over.
    """
    parser.add_argument("--workdir", type=Path, help="the projects' folder (default: a temp one)")
    parser.add_argument("--stage", choices=("all", "render", "measure"), default="all")
    args = parser.parse_args()
    if args.stage != "all" and args.workdir is None:
        parser.error(f"--stage {args.stage} needs --workdir, the folder the projects are in")
    return args


def interleaved(candidates: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run each candidate once per round, in turn (A B A B ...), so drift hits all alike.

    Each candidate returns a rate (higher is better); the lists keep every round's rate.
    """
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, candidate in candidates.items():
            rates[name].append(candidate())
    return rates


def ratio(rates: dict[str, list[float]], numerator: str, denominator: str) -> float:
    """Median of the per-round ratios, robust to one noisy round."""
    pairs = zip(rates[numerator], rates[denominator], strict=True)
    return statistics.median(a / b for a, b in pairs)


def timed(work: Callable[[], int]) -> float:
    """Items per second of ``work``, which returns how many items it processed."""
    start = time.perf_counter()
    items = work()
    return items / (time.perf_counter() - start)


def record(path: Path, key: str, figures: dict) -> None:
    """Put one benchmark's figures under ``key`` in a JSON file that others also write to."""
    recorded = json.loads(path.read_text()) if path.is_file() else {}
    recorded[key] = figures
    path.write_text(json.dumps(recorded, indent=2) + "\n")


class InMemory:
    """The batches as one iterable loader (a bare list would read as a list of loaders)."""

    def __init__(self, batches: list) -> None:
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)
