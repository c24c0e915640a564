"""Every rendered variant lints clean and passes its own test suite (which trains one step)."""

from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.template import questions
from tests import matrix
from tests.helpers import ROOT, remove_bulky_files, render, run
from tests.matrix import run_suites
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
LAYOUT_TESTS = ["tests/test_data.py", "tests/test_hostile_files.py", "tests/test_check_data.py"]


def suite(index: int) -> list[str]:
    """The project's tests to run: its whole suite, its training and data tests, or training.

    The export, report, compile, fault and image tests depend on the task, so the first
    project of each task runs them; the data tests, the hostile files' and check_data's depend
    on the layout as well, so the first project of each task and layout runs those; every
    project trains one step.
    """
    if first_of(index, lambda v: v["task"]):
        return ["tests"]
    if first_of(index, lambda v: (v["task"], v["dataset_layout"])):
        return [*TRAINING, *LAYOUT_TESTS]
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


def chunk_of(index: int) -> int:
    """The chunk a project runs in: the projects that run their whole suite (the slow ones)
    go one to a chunk first, the others in turn after them, so that chunks take alike."""
    whole = [i for i in range(len(VARIANTS)) if suite(i) == ["tests"]]
    order = whole + [i for i in range(len(VARIANTS)) if i not in whole]
    return order.index(index) % CHUNKS


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS), ids=lambda chunk: f"chunk{chunk}")
def test_projects_lint_clean_and_train_one_step(
    chunk: int, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """Render a share of the matrix, lint each project and run their own tests at once.

    Each project gets its own package name (matrix_NN), so that their test suites can share
    one interpreter; a failure prints each failing project's answers, test, message and last
    lines of output first. Checkpoints and exports are deleted whatever the outcome, so a
    failed run leaves only small files in the temporary folder.
    """
    indices = [index for index in range(len(VARIANTS)) if chunk_of(index) == chunk]
    # The folder name is not importable, so it cannot shadow the package in src/.
    projects = {
        index: render(
            tmp_path / f"project-{index:02d}", **VARIANTS[index], project_name=f"Matrix {index:02d}"
        )
        for index in indices
    }
    described = "\n".join(f"project {index:02d}: {VARIANTS[index]}" for index in indices)
    folders = [str(project) for project in projects.values()]

    lint = run(["ruff", "check", "--no-cache", *folders], cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout + described
    formatting = run(["ruff", "format", "--check", "--no-cache", *folders], cwd=tmp_path)
    assert formatting.returncode == 0, formatting.stdout + described

    try:
        code, output, report = run_suites(
            projects, {index: suite(index) for index in indices}, tmp_path
        )
        if code != 0:
            found = matrix.failures(report) if report.exists() else []
            summary = matrix.describe(found, {index: VARIANTS[index] for index in indices})
            pytest.fail(f"{summary}\n\n--- pytest's own output ---\n{output[-3000:]}")
        # Every project trained one step on the CPU (the first of each task and layout also
        # ran its data tests); only the GPU tests skip.
        outcomes = matrix.outcomes(report)
        record_property("project_seconds", matrix.seconds_per_project(report))
    finally:
        remove_bulky_files(tmp_path)
    for index in indices:
        mine = {name: outcome for (folder, name), outcome in outcomes.items() if folder == index}
        assert mine.get("test_fit_one_step_on_cpu") == "passed", (index, mine)
        assert suite(index) == TRAINING or any(
            name.startswith("test_") and name != "test_fit_one_step_on_cpu" and outcome == "passed"
            for name, outcome in mine.items()
        ), (index, mine)
        assert {n for n, o in mine.items() if o == "skipped"} == {"test_fit_one_step_on_gpu"}


def test_a_failing_project_says_why_first(tmp_path: Path) -> None:
    """A test of the matrix's report: a deliberately broken project's own message comes first."""
    project = render(tmp_path / "project-07", project_name="Matrix 07")
    (project / "tests" / "test_broken.py").write_text(
        "def test_deliberately_broken() -> None:\n"
        "    print('the line just before the failure')\n"
        "    assert 1 + 1 == 3, 'deliberately broken'\n"
    )

    code, _, report = run_suites({7: project}, {7: ["tests/test_broken.py"]}, tmp_path)

    assert code == 1
    summary = matrix.describe(matrix.failures(report), {7: {"task": "classification"}})
    first_lines = summary.splitlines()[:5]
    assert first_lines[0] == "project 07 {'task': 'classification'}"
    assert first_lines[1].endswith("test_broken::test_deliberately_broken")
    assert "AssertionError: deliberately broken" in first_lines[2]
    assert "the line just before the failure" in summary
