"""``scaffold update``: real git, real Copier, a throw-away template with releases v1 and v2."""

import json
import re
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
    first_commit,
    git,
    git_save,
    make_template_repo,
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


@pytest.mark.parametrize("how", ["later commit", "amended into the first commit"])
def test_a_file_the_template_drops_is_kept_when_the_user_edited_it(
    how: str, template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    with (project / "tests/test_data.py").open("a") as tests:
        tests.write("\n\ndef test_our_own_case() -> None:\n    assert True\n")
    if how == "later commit":
        commit_all(project)
    else:  # the first commit's message still says it came from the template
        git("commit", "--quiet", "--all", "--amend", "--no-edit", cwd=project)
        assert git("rev-list", "--count", "HEAD", cwd=project).strip() == "1"

    result = invoke("update", project)  # v2 no longer renders tests/test_data.py

    assert result.exit_code == 0, result.output  # kept is not a conflict
    assert "with conflicts" not in result.output
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
    assert rows["notes"] == ["-", "-", "skipped: not a project"]
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


@pytest.fixture
def untagged_template(tmp_path: Path) -> Path:
    """The v1/v2 template of tests/helpers.py as two commits, with no tag at all."""
    return make_template_repo(tmp_path / "untagged", tagged=False)


def test_untagged_template_updates_checks_and_reconfigures(
    untagged_template: Path, tmp_path: Path
) -> None:
    first = first_commit(untagged_template)
    made = invoke(
        "new",
        tmp_path / "team/p",
        "--template",
        untagged_template,
        "--ref",
        first,
        "--defaults",
        "--no-demo-data",
    )
    assert made.exit_code == 0, made.output
    assert "cannot be updated" not in made.output and "Warning" not in made.output
    project = tmp_path / "team/p"
    recorded = answers(project)["_commit"]
    assert first.startswith(recorded), recorded  # a bare commit, as Copier records it
    with (project / MODEL).open("a") as model:
        model.write(USER_FUNCTION)
    commit_all(project)
    latest = git("rev-parse", "--short=7", "HEAD", cwd=untagged_template).strip()

    behind = invoke("check", project)
    assert behind.exit_code == 1, behind.output
    assert f"p: template {recorded} (1 commit behind {latest})" in behind.output
    [report] = json.loads(invoke("check", project, "--json").output)["projects"]
    assert (report["current"], report["behind"], report["latest"]) == (False, 1, latest)

    preview = invoke("update", project, "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert f"+{V2_HEADER}" in preview.output and status(project) == ""

    updated = invoke("update", "--all", tmp_path / "team")
    assert updated.exit_code == 0, updated.output
    model = (project / MODEL).read_text()
    assert model.startswith(V2_HEADER) and USER_FUNCTION in model
    assert answers(project)["seed"] == V2_SEED
    commit_all(project, "update")

    current = invoke("check", project)
    assert current.exit_code == 0, current.output
    assert "(current)" in current.output
    assert "up to date" in invoke("update", project).output

    reconfigured = invoke("reconfigure", project, "logger=tensorboard")
    assert reconfigured.exit_code == 0, reconfigured.output
    assert answers(project)["logger"] == "tensorboard"
    assert USER_FUNCTION in (project / MODEL).read_text()


def test_a_template_at_a_commit_after_its_newest_tag_counts_as_current(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "p", ref="HEAD")  # v2.0.0 itself
    assert answers(project)["_commit"] == "v2.0.0"
    clone = tmp_path / "template"
    git("clone", "--quiet", str(template_repo), str(clone), cwd=tmp_path)
    build_file_tree({clone / "template" / "NOTES.md": "unreleased\n"})
    git_save(clone, "work after v2.0.0")
    later = new_project(clone, tmp_path / "later", ref="HEAD")
    assert answers(later)["_commit"].startswith("v2.0.0-1-g")

    result = invoke("check", later, "--json")
    [report] = json.loads(result.output)["projects"]
    assert (report["latest"], report["current"]) == ("v2.0.0", True), result.output
    assert "up to date" in invoke("update", later).output


@pytest.mark.slow
def test_verify_runs_the_projects_cpu_training_test(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "shapes")

    result = invoke("update", project, "--verify")

    assert result.exit_code == 0, result.output
    assert re.search(r"CPU training test passed: 1 passed", result.output), result.output


def one_error_line(result) -> str:
    """The single ``Error:`` sentence of a scaffold process, which printed no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    ("pattern", "replacement", "expected"),
    [
        (
            r"_src_path: .*",
            "_src_path: /nowhere/template",
            "The template at _src_path /nowhere/template cannot be found or read",
        ),
        (r"_commit: .*", "_commit: 1.0", "records _commit: 1.0, which YAML reads as a float"),
        (r"_commit: .*", "_commit: [v1", "is not valid YAML at line 2"),
    ],
    ids=["template moved", "commit not text", "broken yaml"],
)
def test_a_broken_answers_file_gets_one_sentence(
    pattern: str, replacement: str, expected: str, template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    edit(project / ".copier-answers.yml", pattern, replacement)
    commit_all(project)

    for command in (["update"], ["check"], ["reconfigure", ".", "logger=tensorboard"]):
        result = scaffold(*command, cwd=project)
        assert result.returncode in (ExitCode.ERROR, ExitCode.BAD_INPUT), result.stderr
        message = (
            " ".join(one_error_line(result).split())
            if command != ["check"]
            else (" ".join(result.stdout.split()))
        )
        assert expected in message, (command, result.stdout, result.stderr)
    assert status(project) == ""


def test_bad_targets_and_questions_are_refused_in_one_sentence(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")

    empty = scaffold("update", "--to", "", cwd=project)
    assert empty.returncode == ExitCode.BAD_INPUT
    assert "--to needs a tag, branch or commit" in one_error_line(empty)

    unknown = scaffold("update", "--to", "v9.9.9", cwd=project)
    assert unknown.returncode == ExitCode.BAD_INPUT
    assert "has no tag, branch or commit 'v9.9.9'" in one_error_line(unknown)

    newer = scaffold("reconfigure", ".", "seed=3", cwd=project)  # v2.0.0 asks it, v1.0.0 not
    assert newer.returncode == ExitCode.BAD_INPUT
    assert "template release v1.0.0 does not ask seed; a newer release does" in " ".join(
        one_error_line(newer).split()
    )
    assert status(project) == "" and answers(project)["_commit"] == "v1.0.0"


def test_check_prints_json_for_every_path_even_bad_ones(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    (tmp_path / "plain").mkdir()

    result = invoke("check", project, tmp_path / "plain", "--json")

    assert result.exit_code == ExitCode.BAD_INPUT
    good, bad = json.loads(result.output)["projects"]
    assert (good["version"], good["latest"], good["error"]) == ("v1.0.0", "v2.0.0", None)
    assert good["state"] == "update available: v2.0.0"
    assert (
        bad["project"] == str(tmp_path / "plain") and "is not a generated project" in bad["error"]
    )
