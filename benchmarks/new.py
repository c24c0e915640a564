"""`scaffold new` wall time against plain `copier copy` with the same answers (target: 1.2x).

Builds a throw-away template repository from this checkout with a release v1.0.0
(tests/helpers.py), then renders the default project from it with both commands as processes,
alternating which runs first. ``scaffold new`` runs with ``--no-git-init --no-demo-data``, so
both do the same work: render the same files. Prints the median times and the median of the
per-repetition ratios; --json records them in a JSON file under ``new_vs_copier_copy``.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import record

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET = 1.2
sys.path.insert(0, str(ROOT))

from tests.helpers import IDENTITY, make_template_repo  # noqa: E402


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def tree(project: Path) -> list[str]:
    return sorted(str(path.relative_to(project)) for path in project.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--json", type=Path, help="also record the figures in this JSON file")
    args = parser.parse_args()

    env = {**os.environ, **IDENTITY, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    os.environ.update(IDENTITY)
    with tempfile.TemporaryDirectory(prefix="bench-new-") as tmp:
        work = Path(tmp)
        template = str(make_template_repo(work / "template"))
        ours, theirs = [], []
        for repetition in range(args.repeat):
            a, b = work / f"scaffold-{repetition}", work / f"copier-{repetition}"
            scaffold = [str(BIN / "scaffold"), "new", str(a), "--template", template]
            scaffold += ["--ref", "v1.0.0", "--defaults", "--no-git-init", "--no-demo-data"]
            copier = [str(BIN / "copier"), "copy", "--vcs-ref", "v1.0.0", "--defaults"]
            copier += ["--quiet", template, str(b)]
            runs = [(scaffold, ours), (copier, theirs)]
            for command, times in runs if repetition % 2 == 0 else runs[::-1]:
                times.append(timed(command, env))
            if tree(a) != tree(b):
                sys.exit(f"the two renderings differ:\n{tree(a)}\n---\n{tree(b)}")

    ratios = [mine / plain for mine, plain in zip(ours, theirs, strict=True)]
    figures = {
        "repetitions": args.repeat,
        "scaffold_new_s": round(statistics.median(ours), 3),
        "copier_copy_s": round(statistics.median(theirs), 3),
        "ratio_median": round(statistics.median(ratios), 3),
        "target_ratio": TARGET,
    }
    figures["within_target"] = figures["ratio_median"] <= TARGET
    print(
        f"scaffold new {figures['scaffold_new_s']:.2f} s, copier copy "
        f"{figures['copier_copy_s']:.2f} s (medians of {args.repeat}); ratio "
        f"{figures['ratio_median']:.2f}x (target {TARGET}x: "
        f"{'met' if figures['within_target'] else 'NOT met'})"
    )
    if args.json:
        record(args.json, "new_vs_copier_copy", figures)


if __name__ == "__main__":
    main()
