"""Helpers the tests import: render this checkout's template, run what it made, and build
throw-away template repositories and projects for the update, check and preset tests.

In the spirit of Copier's own tests/helpers.py: ``build_file_tree`` writes files, ``git_save``
commits (and tags) them, and ``make_template_repo`` lays out this checkout's template as
release v1.0.0 plus a v2.0.0 that changes a file, adds a question and removes a file.
conftest.py builds its fixtures on these; nothing here imports conftest.
"""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import copier
import yaml

from scaffolder import render as scaffold_render

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def render(destination: Path, **answers: Any) -> Path:
    """Render this checkout's template (HEAD plus uncommitted changes) with the given answers."""
    copier.run_copy(
        str(ROOT),
        destination,
        data=answers,
        defaults=True,
        vcs_ref="HEAD",
        quiet=True,
        unsafe=False,
    )
    return destination


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a command with this interpreter's tools first on PATH; capture its output."""
    full_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True)


def run_project_python(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` inside a generated project, its package importable from src/."""
    return run([sys.executable, *args], cwd=project, PYTHONPATH=str(project / "src"))


# A detector project's CLI at one batch of four small images, without sanity checks or bars.
DETECTOR_FAST = [
    "--config=configs/default.yaml",
    "--data.batch_size=4",
    "--data.num_workers=0",
    "--model.min_size=64",
    "--model.max_size=64",
    "--trainer.num_sanity_val_steps=0",
    "--trainer.enable_progress_bar=false",
]


def write_demo_data(
    project: Path, package: str, image_size: int, train: int = 4, val: int = 4, test: int = 4
) -> None:
    """Write a small demo dataset into the project's ``data/`` with its own command."""
    demo = run_project_python(
        project,
        "-m",
        f"{package}.demo_data",
        "data",
        f"--train-images={train}",
        f"--val-images={val}",
        f"--test-images={test}",
        f"--image-size={image_size}",
    )
    assert demo.returncode == 0, demo.stderr
    assert f"Wrote {train + val + test} images to data" in demo.stdout


def fit_detector_one_step(project: Path, package: str, image_size: int) -> Path:
    """Write a detector project's demo data (4 train, 2 val, 3 test images of ``image_size``
    pixels) and fit it for one epoch, one step; return the run's folder."""
    write_demo_data(project, package, image_size, val=2, test=3)
    fit = run_project_python(
        project,
        "-m",
        package,
        "fit",
        *DETECTOR_FAST,
        "--trainer.max_epochs=1",
        "--trainer.log_every_n_steps=1",
    )
    assert fit.returncode == 0, fit.stderr[-3000:]
    return project / f"logs/{package}/version_0"


# Files a test run leaves behind at up to hundreds of MB each: checkpoints and exports.
BULKY = (".ckpt", ".onnx", ".pt", ".pth")


def remove_bulky_files(folder: Path) -> None:
    """Delete checkpoints and exports below ``folder``, keeping logs and reports to read."""
    for path in folder.rglob("*"):
        if path.suffix in BULKY and path.is_file() and not path.is_symlink():
            path.unlink()


PYTHON_SCAFFOLD = [sys.executable, "-m", "scaffolder"]
IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
# The classification model's own file (template/src/{{ package_name }}/model.py.jinja includes it).
CLASSIFIER_MODEL = Path("partials/tasks/classification/model.py")
V2_HEADER = "# Template v2: the classifier's header line."
V2_SEED = 7


def build_file_tree(spec: dict[Path, str]) -> None:
    """Write each file, dedented, creating its folders."""
    for path, text in spec.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def git(*args: str, cwd: Path) -> str:
    """Run git; fail the test with git's message if it fails."""
    env = {**os.environ, **IDENTITY}
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def git_save(path: Path, message: str = "save", tag: str | None = None) -> None:
    """Commit everything in ``path`` (a git repository) and optionally tag the commit."""
    git("add", "--all", cwd=path)
    git("commit", "--quiet", "--no-gpg-sign", "-m", message, cwd=path)
    if tag:
        git("tag", tag, cwd=path)


def make_template_repo(destination: Path, tagged: bool = True) -> Path:
    """This checkout's template tagged v1.0.0, and a v2.0.0 on top of it.

    v2.0.0 adds a line at the top of model.py, adds the question ``seed`` (default 7, used in
    configs/default.yaml) and removes the imagefolder projects' tests/test_data.py. Without
    ``tagged``, the two releases are plain commits, as in a template that a team never tags.
    """
    destination.mkdir(parents=True)
    shutil.copy(ROOT / "copier.yml", destination)
    for folder in ("template", "partials"):
        shutil.copytree(ROOT / folder, destination / folder)
    git("init", "--quiet", "--initial-branch=main", cwd=destination)
    git_save(destination, "v1", tag="v1.0.0" if tagged else None)

    template = destination / "template"
    model = destination / CLASSIFIER_MODEL
    model.write_text(f"{V2_HEADER}\n{model.read_text()}")
    config = template / "configs" / "default.yaml.jinja"
    text, count = re.subn(
        r"seed_everything: \d+", "seed_everything: {{ seed }}", config.read_text()
    )
    assert count == 1, "configs/default.yaml.jinja no longer sets seed_everything"
    config.write_text(text)
    with (destination / "copier.yml").open("a") as questions:
        questions.write(f"\nseed:\n  type: int\n  help: Random seed\n  default: {V2_SEED}\n")
    test_data = template / "tests" / "test_data.py.jinja"
    test_data.rename(
        test_data.with_name("{% if dataset_layout != 'imagefolder' %}test_data.py{% endif %}.jinja")
    )
    git_save(destination, "v2", tag="v2.0.0" if tagged else None)
    return destination


def first_commit(repository: Path) -> str:
    """The full hash of a repository's first commit."""
    return git("rev-list", "--max-parents=0", "HEAD", cwd=repository).strip()


def new_project(
    template: Path, destination: Path, ref: str = "v1.0.0", git_init: bool = True, **answers: str
) -> Path:
    """Render a project with ``scaffold new`` (library call), committed, without demo data."""
    scaffold_render.new(
        scaffold_render.NewOptions(
            destination=destination,
            answers=answers,
            template=str(template),
            ref=ref,
            defaults=True,
            demo_data=False,
            git_init=git_init,
        )
    )
    return destination


def commit_all(project: Path, message: str = "user edits") -> None:
    """Commit every change in a project, as its user would."""
    git_save(project, message)


def answers(project: Path) -> dict:
    """The project's recorded answers."""
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def scaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m scaffolder`` as a user would (this checkout's code, via PYTHONPATH)."""
    return run([*PYTHON_SCAFFOLD, *args], cwd=cwd)


def status(project: Path) -> str:
    """``git status --porcelain`` of a project."""
    return git("status", "--porcelain", cwd=project)


def snapshot(project: Path) -> dict[str, object]:
    """Every file below ``project`` except git's own: tracked, untracked and ignored alike.

    Each file maps to its bytes and executable bit, each symlink to its target and each empty
    folder to a marker, so that two snapshots are equal only for byte-identical trees.
    """
    files: dict[str, object] = {}
    for folder, subfolders, names in os.walk(project):
        here = Path(folder)
        if here == project and ".git" in subfolders:
            subfolders.remove(".git")  # git's own folder, where scaffold keeps its scratch area
        for name in names + [d for d in subfolders if (here / d).is_symlink()]:
            path = here / name
            key = path.relative_to(project).as_posix()
            if path.is_symlink():
                files[key] = ("symlink", os.readlink(path))
            else:
                files[key] = (path.read_bytes(), os.access(path, os.X_OK))
        if not names and not subfolders and here != project:
            files[here.relative_to(project).as_posix() + "/"] = "empty folder"
    return files
