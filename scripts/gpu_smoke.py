"""`make gpu-smoke`: on a machine with a CUDA GPU, train every task one step in mixed precision.

Renders one project per task in bf16-mixed and one in 16-mixed, runs `scaffold verify --gpu` on
each (the project's own CPU and GPU tests) and writes a JSON summary: the GPU, and per project
its answers, result and the seconds each check took.

A GPU machine often lacks the template's toolchain (Copier, git), so the two halves can run
apart: ``--stage render --workdir DIR`` where the template is, then ``--stage verify --workdir
DIR`` on the GPU machine with DIR copied over.
"""

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from scaffolder import verify
from scaffolder.errors import ScaffoldError
from scaffolder.template import BUNDLED_TEMPLATE, registry

TASKS = tuple(registry(str(BUNDLED_TEMPLATE), "tasks"))
PRECISIONS = ("bf16-mixed", "16-mixed")
PROJECTS = [(task, precision) for task in TASKS for precision in PRECISIONS]


def render_all(workdir: Path) -> None:
    """Render every task x precision project into ``workdir``, one folder each."""
    from scaffolder import render  # Copier is needed here only, not on the GPU machine

    for task, precision in PROJECTS:
        answers = {
            "project_name": f"Smoke {task} {precision}",
            "task": task,
            "package_name": f"smoke_{task}",  # within the 24 characters allowed
            "precision": precision,
        }
        options = render.NewOptions(
            workdir / f"{task}-{precision}", answers, ref="HEAD", defaults=True, demo_data=False
        )
        render.new(options)


def verify_one(project: Path) -> dict:
    """Run one rendered project's CPU and GPU checks; its summary row."""
    task, precision = project.name.split("-", 1)
    row: dict = {"project": project.name, "task": task, "precision": precision}
    try:
        result = verify.verify(verify.VerifyOptions(project, gpu=True))
    except ScaffoldError as error:
        row.update(passed=False, error=str(error))
    else:
        row["passed"] = result.passed
        row["checks"] = [
            {"name": c.name, "passed": c.passed, "seconds": round(c.seconds, 1)}
            | ({} if c.passed else {"detail": c.detail})
            for c in result.checks
        ]
    print(f"{project.name}: {'passed' if row['passed'] else 'FAILED'}", flush=True)
    return row


def verify_all(workdir: Path, jobs: int) -> list[dict]:
    """Verify every rendered project, ``jobs`` at a time (their GPU steps are small)."""
    projects = [workdir / f"{task}-{precision}" for task, precision in PROJECTS]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(verify_one, projects))


def main() -> None:
    """Refuse without a GPU; otherwise smoke-test every project and write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("gpu-smoke.json"))
    parser.add_argument("--workdir", type=Path, help="the projects' folder (default: a temp one)")
    parser.add_argument("--stage", choices=("all", "render", "verify"), default="all")
    parser.add_argument("--jobs", type=int, default=1, help="projects verified at once")
    args = parser.parse_args()
    if args.stage != "all" and args.workdir is None:
        parser.error(f"--stage {args.stage} needs --workdir, the folder the projects are in")
    if args.stage != "render" and not torch.cuda.is_available():
        sys.exit("gpu-smoke needs a CUDA GPU, and torch sees none (torch.cuda.is_available()).")
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir or Path(scratch)
        if args.stage in ("all", "render"):
            render_all(workdir)
        if args.stage == "render":
            print(f"Rendered {len(PROJECTS)} projects in {workdir}")
            return
        rows = verify_all(workdir, args.jobs)
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
