"""``scaffold update``: real git, real Copier, a throw-away template with releases v1 and v2."""

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffolder import update
from scaffolder.cli import app
from scaffolder.errors import ExitCode
from tests.helpers import (
    V2_HEADER,
    V2_SEED,
    answers,
    build_file_tree,
    commit_all,
    git,
    git_save,
    new_project,
    scaffold,
    status,
)

pytestmark = pytest.mark.usefixtures("git_identity")
MODEL = "src/shapes_classifier/model.py"
USER_FUNCTION = """

def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())
"""


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def edit(path: Path, pattern: str, replacement: str) -> None:
    text, count = re.subn(pattern, replacement, path.read_text(), count=1)
    assert count == 1, f"{pattern!r} not in {path}"
    path.write_text(text)


def test_update_keeps_every_user_edit_and_brings_every_template_change(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    with (project / MODEL).open("a") as model:
        model.write(USER_FUNCTION)
    edit(project / "configs/default.yaml", r"batch_size: \d+", "batch_size: 12")
    build_file_tree({project / "src/shapes_classifier/augment.py": "FLIP = True\n"})
    (project / ".github/actionlint.yaml").unlink()
    commit_all(project)

    result = invoke("update", project)

    assert result.exit_code == 0, result.output
    assert "Updated shapes from v1.0.0 to v2.0.0:" in result.output
    for line in [
        "M src/shapes_classifier/model.py",
        "M configs/default.yaml",
        "D tests/test_data.py",
    ]:
        assert line in result.output
    model = (project / MODEL).read_text()
    assert model.startswith(V2_HEADER) and USER_FUNCTION in model  # both sides of the merge
    config = (project / "configs/default.yaml").read_text()
    assert "batch_size: 12" in config and f"seed_everything: {V2_SEED}" in config
    assert (project / "src/shapes_classifier/augment.py").read_text() == "FLIP = True\n"
    assert not (project / ".github/actionlint.yaml").exists()  # stays deleted
    assert not (project / "tests/test_data.py").exists()  # removed by v2
    recorded = answers(project)
    assert recorded["_commit"] == "v2.0.0"
    assert recorded["seed"] == V2_SEED  # a new question takes its default and is recorded
    assert "<<<<<<<" not in model and not list(project.rglob("*.rej"))


@pytest.mark.parametrize("style", ["inline", "rej"])
def test_conflicting_edit_exits_3_and_names_the_file(
    style: str, template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    model = project / MODEL
    model.write_text(f"# Our team's header.\n{model.read_text()}")  # v2 adds its own line 1
    commit_all(project)

    result = invoke("update", project, "--conflict", style, "--to", "2.0.0")

    assert result.exit_code == ExitCode.CONFLICTS, result.output
    assert "with conflicts" in result.output
    assert f"Conflicts to resolve:\n  {MODEL}" in result.output
    if style == "inline":
        text = model.read_text()
        assert "<<<<<<< before updating\n# Our team's header.\n=======\n" in text
        assert f"{V2_HEADER}\n>>>>>>> after updating" in text
        assert f"UU {MODEL}" in status(project)  # git knows it is unmerged
    else:
        # The file takes the template's side; the user's hunk waits in the .rej file.
        assert model.read_text().startswith(V2_HEADER)
        assert "+# Our team's header." in (project / f"{MODEL}.rej").read_text()
        assert f"{MODEL}.rej" in result.output
    assert answers(project)["_commit"] == "v2.0.0"  # the rest of the update went through


def test_a_file_the_template_drops_is_kept_when_the_user_edited_it(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    with (project / "tests/test_data.py").open("a") as tests:
        tests.write("\n\ndef test_our_own_case() -> None:\n    assert True\n")
    commit_all(project)

    result = invoke("update", project)  # v2 no longer renders tests/test_data.py

    assert result.exit_code == ExitCode.CONFLICTS, result.output
    assert "Kept your edited files that the template no longer has" in result.output
    assert "def test_our_own_case" in (project / "tests/test_data.py").read_text()
    assert "tests/test_data.py" not in status(project)  # as committed, for the user to decide
    assert answers(project)["_commit"] == "v2.0.0"


def test_update_refuses_with_exit_2_and_changes_nothing(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    (project / "notes.txt").write_text("not committed yet")
    untracked = scaffold("update", str(project), cwd=tmp_path)  # as a process: one sentence
    assert untracked.returncode == ExitCode.BAD_INPUT
    errors = [line for line in untracked.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "uncommitted changes (notes.txt)" in errors[0], untracked.stderr
    assert "Traceback" not in untracked.stderr

    (project / "notes.txt").unlink()
    edit(project / MODEL, "import torch", "import torch  # mine")
    modified = invoke("update", project)
    assert modified.exit_code == ExitCode.BAD_INPUT
    assert f"uncommitted changes ({MODEL})" in modified.output
    assert status(project) == f" M {MODEL}\n"  # nothing else touched
    assert answers(project)["_commit"] == "v1.0.0"

    not_a_project = invoke("update", tmp_path)
    assert not_a_project.exit_code == ExitCode.BAD_INPUT
    assert "is not a generated project" in not_a_project.output

    git("checkout", "--", ".", cwd=project)
    edit(project / ".copier-answers.yml", r"_src_path: .*", "_src_path: ../template")
    commit_all(project)
    relative = invoke("update", project)
    assert relative.exit_code == ExitCode.BAD_INPUT
    assert "records the relative template path ../template" in relative.output


def test_update_all_continues_past_conflicts_and_ends_with_a_table(
    template_repo: Path, tmp_path: Path
) -> None:
    team = tmp_path / "team"
    clean = new_project(template_repo, team / "clean")
    conflicted = new_project(template_repo, team / "conflicted")
    current = new_project(template_repo, team / "current", ref="v2.0.0")
    (team / "notes").mkdir()  # not a project: skipped
    model = conflicted / MODEL
    model.write_text(f"# Ours.\n{model.read_text()}")
    commit_all(conflicted)

    result = invoke("update", "--all", team)

    assert result.exit_code == ExitCode.CONFLICTS, result.output
    rows = {
        cells[0]: cells[1:]
        for line in result.output.splitlines()
        if len(cells := [cell.strip() for cell in re.split(r"[│|]", line)[1:-1]]) == 4
    }
    assert rows["clean"] == ["v1.0.0", "v2.0.0", "updated"]
    assert rows["conflicted"] == ["v1.0.0", "v2.0.0", "conflicts"]
    assert rows["current"] == ["v2.0.0", "v2.0.0", "up to date"]
    assert f"conflicted: resolve conflicts in {MODEL}" in result.output
    assert answers(clean)["_commit"] == "v2.0.0" and status(current) == ""

    downgrade = invoke("update", current, "--to", "v1.0.0")
    assert downgrade.exit_code == ExitCode.BAD_INPUT
    assert "newer than v1.0.0; Copier does not downgrade" in downgrade.output


def test_batch_exit_code_puts_failures_before_refusals_before_conflicts() -> None:
    def result(outcome: update.Outcome) -> update.UpdateResult:
        return update.UpdateResult(Path("p"), outcome)

    outcomes = update.Outcome
    assert update.batch_exit_code([result(outcomes.UPDATED), result(outcomes.UP_TO_DATE)]) == 0
    assert update.batch_exit_code([result(outcomes.CONFLICTS), result(outcomes.REFUSED)]) == 2
    assert update.batch_exit_code([result(outcomes.REFUSED), result(outcomes.FAILED)]) == 1


def test_untagged_template_warns_on_new_and_update_refuses(tmp_path: Path) -> None:
    template = tmp_path / "untagged"
    shutil.copytree(Path(__file__).parents[1] / "template", template / "template")
    shutil.copy(Path(__file__).parents[1] / "copier.yml", template)
    shutil.copytree(Path(__file__).parents[1] / "partials", template / "partials")
    git("init", "--quiet", cwd=template)
    git_save(template, "no tag")

    made = invoke("new", tmp_path / "p", "--template", template, "--defaults", "--no-demo-data")
    assert made.exit_code == 0, made.output
    assert "has no vX.Y.Z version tag" in made.output and "cannot be updated" in made.output

    refused = invoke("update", tmp_path / "p")
    assert refused.exit_code == ExitCode.BAD_INPUT
    assert "generated from an untagged or non-git template, so it cannot be updated" in (
        " ".join(refused.output.split())
    )


@pytest.mark.slow
def test_verify_runs_the_projects_cpu_training_test(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "shapes")

    result = invoke("update", project, "--verify")

    assert result.exit_code == 0, result.output
    assert re.search(r"CPU training test passed: 1 passed", result.output), result.output
