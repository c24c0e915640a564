"""Every rendered variant lints clean and passes its own test suite (which trains one step)."""

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from scaffolder.template import questions
from tests.helpers import ROOT, render, run
from tests.variants import KEYS, TORCHVISION, allowed, applies, pairwise_variants, required_pairs

VARIANTS = pairwise_variants()


def first_of(index: int, key: Callable[[dict], object]) -> bool:
    """Whether the project is the quickest to test of those alike under ``key``.

    bfloat16 convolutions on a CPU without bfloat16 instructions are several times slower
    than 32-true ones, and a ResNet-50 or ConvNeXt step slower than a small network's; every
    precision and model is still trained by some project.
    """
    alike = [i for i, v in enumerate(VARIANTS) if key(v) == key(VARIANTS[index])]
    return index == min(alike, key=lambda i: (slowness(VARIANTS[i]), i))


def slowness(answers: dict) -> tuple[bool, bool]:
    """What makes a project's tests slow on 2 cores: mixed precision, then a large network."""
    network = answers.get("detector") or answers.get("backbone", "blocks")
    return answers["precision"] != "32-true", any(big in network for big in ("50", "convnext"))


TRAINING = ["tests/test_train.py"]


def suite(index: int) -> list[str]:
    """The project's tests to run: its whole suite, its training and data tests, or training.

    The export, report, compile, fault and image tests depend on the task, so the first
    project of each task runs them; the data tests depend on the layout as well, so the first
    project of each task and layout runs those; every project trains one step.
    """
    if first_of(index, lambda v: v["task"]):
        return ["tests"]
    if first_of(index, lambda v: (v["task"], v["dataset_layout"])):
        return [*TRAINING, "tests/test_data.py"]
    return TRAINING


def family(answers: dict) -> dict:
    """The answers with any torchvision backbone written as "torchvision"."""
    if answers.get("backbone", "blocks") == "blocks":
        return answers
    return {**answers, "backbone": TORCHVISION}


def test_variants_cover_every_pair_of_choices() -> None:
    """Fails when copier.yml gains a question or choice that the matrix leaves out."""
    catalogue = questions(str(ROOT))
    varied = {key for key, q in catalogue.items() if not q.hidden and len(q.choices) > 1}
    assert varied <= set(KEYS), f"questions the matrix does not vary: {varied - set(KEYS)}"
    used_backbones = {v["backbone"] for v in VARIANTS if "backbone" in v}
    assert used_backbones == set(catalogue["backbone"].choices)
    families = [family(v) for v in VARIANTS]
    for (first, a), (second, b) in sorted(required_pairs()):
        meet = any(v.get(first) == a and v.get(second) == b for v in families)
        assert meet, f"no project has {first}={a} together with {second}={b}"


def test_variants_are_answer_sets_copier_accepts() -> None:
    for variant in VARIANTS:
        for key, value in variant.items():
            if key in KEYS:
                assert applies(key, variant), f"{key} is not asked in {variant}"
                assert allowed(key, value, variant), f"{key}={value} is refused in {variant}"


CHUNKS = 8  # one pytest process per chunk: torch and Lightning are imported once per chunk


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS), ids=lambda chunk: f"chunk{chunk}")
def test_projects_lint_clean_and_train_one_step(
    chunk: int, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """Render a share of the matrix, lint each project and run their own tests at once.

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
    chunk_projects = list(zip(range(chunk, len(VARIANTS), CHUNKS), folders, strict=True))

    lint = run(["ruff", "check", "--no-cache", *folders], cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + described
    formatting = run(["ruff", "format", "--check", "--no-cache", *folders], cwd=tmp_path)
    assert formatting.returncode == 0, formatting.stdout + described

    first_project = next(iter(projects.values()))[0]
    report = tmp_path / "report.xml"
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
            f"--junitxml={report}",
            *(f"{project}/{path}" for index, project in chunk_projects for path in suite(index)),
        ],
        cwd=tmp_path,
        PYTHONPATH=os.pathsep.join(f"{folder}/src" for folder in folders),
    )
    assert tests.returncode == 0, tests.stdout[-6000:] + tests.stderr[-2000:] + described
    # Every project trained one step on the CPU (the first of each task and layout also ran
    # its data tests); only the GPU tests skip.
    outcomes = junit_outcomes(report)
    record_property("project_seconds", project_seconds(report))
    for index in range(chunk, len(VARIANTS), CHUNKS):
        mine = {name: outcome for (folder, name), outcome in outcomes.items() if folder == index}
        assert mine.get("test_fit_one_step_on_cpu") == "passed", (index, mine)
        assert suite(index) == TRAINING or any(
            name.startswith("test_") and name != "test_fit_one_step_on_cpu" and outcome == "passed"
            for name, outcome in mine.items()
        ), (index, mine)
        assert {n for n, o in mine.items() if o == "skipped"} == {"test_fit_one_step_on_gpu"}


def junit_outcomes(report: Path) -> dict[tuple[int, str], str]:
    """(project index, test name) -> passed / skipped / failed, from a JUnit XML report."""
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        match = re.search(r"project-(\d+)", case.get("classname", "") + case.get("file", ""))
        assert match, case.attrib
        name = case.get("name", "").split("[")[0]
        status = "passed"
        if case.find("skipped") is not None:
            status = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            status = "failed"
        outcomes[int(match.group(1)), name] = status
    return outcomes


def project_seconds(report: Path) -> dict[int, float]:
    """Project index -> seconds its tests took, from a JUnit XML report."""
    seconds: dict[int, float] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        index = int(re.search(r"project-(\d+)", case.get("classname", "")).group(1))
        seconds[index] = seconds.get(index, 0.0) + float(case.get("time", 0))
    return seconds
