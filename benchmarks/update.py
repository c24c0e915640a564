"""`scaffold update` wall time against plain `copier update` on the same project (target: 1.2x).

Builds a throw-away template repository from this checkout with releases v1.0.0 and v2.0.0
(tests/helpers.py), renders one v1.0.0 project with a user edit, then times both commands as
processes, each on its own fresh copy of that project, alternating which runs first. Prints
the median times and the median of the per-repetition ratios; --json also writes them.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET = 1.2
sys.path.insert(0, str(ROOT))

from tests.helpers import IDENTITY, commit_all, make_template_repo, new_project  # noqa: E402


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def changes(project: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    env = {
        **os.environ,
        **IDENTITY,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    os.environ.update(IDENTITY)
    scaffold = [sys.executable, "-m", "scaffolder", "update", "."]
    copier = [str(BIN / "copier"), "update", "--defaults", "--skip-answered"]
    with tempfile.TemporaryDirectory(prefix="bench-update-") as tmp:
        work = Path(tmp)
        template = make_template_repo(work / "template")
        base = new_project(template, work / "base")
        with (base / "src" / "shapes_classifier" / "model.py").open("a") as model:
            model.write("\n\nTEAM_CONSTANT = 1\n")
        commit_all(base)

        ours, theirs = [], []
        for repetition in range(args.repeat):
            a, b = work / f"scaffold-{repetition}", work / f"copier-{repetition}"
            shutil.copytree(base, a, symlinks=True)
            shutil.copytree(base, b, symlinks=True)
            runs = [(scaffold, a, ours), (copier, b, theirs)]
            for command, project, times in runs if repetition % 2 == 0 else runs[::-1]:
                times.append(timed(command, project, env))
            if changes(a) != changes(b):
                sys.exit(f"the two updates differ:\n{changes(a)}\n---\n{changes(b)}")

    ratios = [mine / plain for mine, plain in zip(ours, theirs, strict=True)]
    figures = {
        "repetitions": args.repeat,
        "scaffold_update_s": round(statistics.median(ours), 3),
        "copier_update_s": round(statistics.median(theirs), 3),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratios": [round(ratio, 3) for ratio in ratios],
        "target_ratio": TARGET,
    }
    figures["within_target"] = figures["ratio_median"] <= TARGET
    print(
        f"scaffold update {figures['scaffold_update_s']:.2f} s, copier update "
        f"{figures['copier_update_s']:.2f} s (medians of {args.repeat}); ratio "
        f"{figures['ratio_median']:.2f}x (target {TARGET}x: "
        f"{'met' if figures['within_target'] else 'NOT met'})"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
