"""Every rendered variant lints clean and passes its own test suite (which trains one step)."""

import sys
from pathlib import Path
from typing import Any

import pytest

from scaffolder.template import questions
from tests.conftest import ROOT, render, run
from tests.variants import covering_variants, variant_id

VARIANTS = covering_variants()


def test_variants_cover_every_choice() -> None:
    """Fails when copier.yml gains a question or choice that the variant generator leaves out."""
    for key, question in questions(str(ROOT)).items():
        if question.choices and not question.hidden:
            used = {variant.get(key) for variant in VARIANTS}
            if key in ("task", "dataset_layout"):
                continue  # one choice each for now: every variant uses it by default
            assert set(question.choices) <= used, f"{key}: {set(question.choices) - used} unused"


@pytest.mark.slow
@pytest.mark.parametrize("answers", VARIANTS, ids=variant_id)
def test_project_lints_clean_and_trains_one_step(answers: dict[str, Any], tmp_path: Path) -> None:
    project = render(tmp_path / "project", **answers)

    lint = run(["ruff", "check", "--no-cache", "."], cwd=project)
    assert lint.returncode == 0, lint.stdout
    formatting = run(["ruff", "format", "--check", "--no-cache", "."], cwd=project)
    assert formatting.returncode == 0, formatting.stdout

    tests = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path / 'pytest'}",
        ],
        cwd=project,
        PYTHONPATH=str(project / "src"),
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    # The CPU training test and the data tests ran; only the GPU test may be skipped here.
    assert "3 passed, 1 skipped" in tests.stdout, tests.stdout[-2000:]
