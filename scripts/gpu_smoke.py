"""`make gpu-smoke`: on a machine with a CUDA GPU, train every task one step in mixed precision.

Renders one project per task in bf16-mixed and one in 16-mixed, runs `scaffold verify --gpu` on
each (the project's own CPU and GPU tests) and writes a JSON summary: the GPU, and per project
its answers, result and the seconds each check took.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch

from scaffolder import render, verify
from scaffolder.errors import ScaffoldError

TASKS = ("classification", "multilabel", "segmentation", "detection", "regression")
PRECISIONS = ("bf16-mixed", "16-mixed")


def smoke(workdir: Path) -> list[dict]:
    """Render and verify every task x precision project; one summary row each."""
    rows = []
    for task in TASKS:
        for precision in PRECISIONS:
            name = f"{task}-{precision}"
            answers = {"project_name": f"Smoke {task} {precision}", "task": task}
            answers["package_name"] = f"smoke_{task}"  # within the 24 characters allowed
            answers["precision"] = precision
            options = render.NewOptions(
                workdir / name, answers, ref="HEAD", defaults=True, demo_data=False
            )
            row: dict = {"project": name, "task": task, "precision": precision}
            try:
                render.new(options)
                result = verify.verify(verify.VerifyOptions(workdir / name, gpu=True))
            except ScaffoldError as error:
                row.update(passed=False, error=str(error))
            else:
                row["passed"] = result.passed
                row["checks"] = [
                    {"name": c.name, "passed": c.passed, "seconds": round(c.seconds, 1)}
                    | ({} if c.passed else {"detail": c.detail})
                    for c in result.checks
                ]
            rows.append(row)
            print(f"{name}: {'passed' if row['passed'] else 'FAILED'}", flush=True)
    return rows


def main() -> None:
    """Refuse without a GPU; otherwise smoke-test every project and write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("gpu-smoke.json"))
    parser.add_argument("--workdir", type=Path, help="where to render (default: a temp folder)")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu-smoke needs a CUDA GPU, and torch sees none (torch.cuda.is_available()).")
    with tempfile.TemporaryDirectory() as scratch:
        rows = smoke(args.workdir or Path(scratch))
    summary = {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "projects": rows,
        "all_passed": all(row["passed"] for row in rows),
    }
    args.json.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{sum(r['passed'] for r in rows)}/{len(rows)} passed on {summary['gpu']}: {args.json}")
    sys.exit(0 if summary["all_passed"] else 1)


if __name__ == "__main__":
    main()
