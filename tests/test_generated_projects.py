"""Every rendered variant lints clean and passes its own test suite (which trains one step)."""

import os
import sys
from itertools import combinations
from pathlib import Path

import pytest

from scaffolder.template import questions
from tests.conftest import ROOT, render, run
from tests.variants import BLOCK_KEYS, KEYS, TORCHVISION, choices, pairwise_variants

VARIANTS = pairwise_variants()


def family(answers: dict) -> dict:
    """The answers with any torchvision backbone written as "torchvision"."""
    return {**answers, "backbone": "blocks" if answers["backbone"] == "blocks" else TORCHVISION}


def test_variants_cover_every_pair_of_choices() -> None:
    """Fails when copier.yml gains a question or choice that the matrix leaves out."""
    catalogue = questions(str(ROOT))
    varied = {key for key, q in catalogue.items() if not q.hidden and len(q.choices) > 1}
    assert varied <= set(KEYS), f"questions the matrix does not vary: {varied - set(KEYS)}"
    assert {v["backbone"] for v in VARIANTS} == set(catalogue["backbone"].choices)
    values, families = choices(), [family(v) for v in VARIANTS]
    for first, second in combinations(KEYS, 2):
        for a in values[first]:
            for b in values[second]:
                meet = any(v.get(first) == a and v.get(second) == b for v in families)
                if first == "backbone" and second in BLOCK_KEYS and a != "blocks":
                    assert not meet, "block questions are not asked for torchvision backbones"
                else:
                    assert meet, f"no project has {first}={a} together with {second}={b}"


CHUNKS = 8  # one pytest process per chunk: torch and Lightning are imported once per chunk


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS), ids=lambda chunk: f"chunk{chunk}")
def test_projects_lint_clean_and_train_one_step(chunk: int, tmp_path: Path) -> None:
    """Render a share of the matrix, lint each project and run all their own tests at once.

    Each project gets its own package name (matrix_NN), so that their test suites can share
    one interpreter; a failure names the project, whose answers are printed below it.
    """
    projects = {}
    for index in range(chunk, len(VARIANTS), CHUNKS):
        name = f"matrix_{index:02d}"
        answers = {**VARIANTS[index], "project_name": f"Matrix {index:02d}"}
        # The folder name is not importable, so it cannot shadow the package in src/.
        projects[name] = (render(tmp_path / f"project-{index:02d}", **answers), VARIANTS[index])
    described = "\n".join(f"{name}: {answers}" for name, (_, answers) in projects.items())
    folders = [str(project) for project, _ in projects.values()]

    lint = run(["ruff", "check", "--no-cache", *folders], cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + described
    formatting = run(["ruff", "format", "--check", "--no-cache", *folders], cwd=tmp_path)
    assert formatting.returncode == 0, formatting.stdout + described

    first_project = next(iter(projects.values()))[0]
    tests = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            f"--rootdir={tmp_path}",
            f"--config-file={first_project / 'pyproject.toml'}",
            f"--basetemp={tmp_path / 'pytest'}",
            *(f"{folder}/tests" for folder in folders),
        ],
        cwd=tmp_path,
        PYTHONPATH=os.pathsep.join(f"{folder}/src" for folder in folders),
    )
    assert tests.returncode == 0, tests.stdout[-6000:] + tests.stderr[-2000:] + described
    # Every project's CPU training and data tests ran; only the GPU tests may be skipped here.
    count = len(projects)
    assert f"{3 * count} passed, {count} skipped" in tests.stdout, tests.stdout[-2000:]
