"""What the benchmarks share: a rendered project with demo data, and interleaved timing."""

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    pythonpath = os.pathsep.join(filter(None, [str(project / "src"), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": pythonpath}
    subprocess.run(command, check=True, env=env, capture_output=True)
    return data


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
