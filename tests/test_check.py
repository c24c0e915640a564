"""``scaffold check``: template version, preset compliance and drift, for people and for CI."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from scaffolder.cli import app
from scaffolder.errors import ExitCode
from tests.helpers import commit_all, new_project

pytestmark = pytest.mark.usefixtures("git_identity")
MODEL = "src/shapes_classifier/model.py"


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def test_check_fails_before_the_update_and_passes_after(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    with (project / MODEL).open("a") as model:
        model.write("\n\nTEAM_CONSTANT = 1\n")
    commit_all(project)

    before = invoke("check", project, "--json")
    assert before.exit_code == 1, before.output
    [report] = json.loads(before.output)["projects"]
    assert (report["version"], report["latest"], report["current"]) == ("v1.0.0", "v2.0.0", False)
    assert report["drift"] == [{"path": MODEL, "change": "modified"}]

    assert invoke("update", project).exit_code == 0
    commit_all(project, "update to v2.0.0")

    after = invoke("check", project)
    assert after.exit_code == 0, after.output
    assert "shapes: template v2.0.0 (current)" in after.output
    assert f"modified: {MODEL}" in after.output  # the user's edit is reported, not a failure
    strict = invoke("check", project, "--strict")
    assert strict.exit_code == 1, strict.output


def test_check_reports_a_project_it_cannot_place_and_refuses_a_non_project(
    default_project: Path, tmp_path: Path
) -> None:
    project = tmp_path / "untagged"
    shutil.copytree(default_project, project)
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(re.sub(r"_commit: .*", "_commit: 0abc123", answers_file.read_text()))
    untagged = invoke("check", project, "--json")
    assert untagged.exit_code == 1
    [report] = json.loads(untagged.output)["projects"]
    assert "records template commit 0abc123, which the template" in report["error"]

    not_a_project = invoke("check", tmp_path / "untagged" / "src")
    assert not_a_project.exit_code == ExitCode.BAD_INPUT
    assert "is not a generated project" in not_a_project.output


def test_generated_ci_ships_a_disabled_scaffold_check_job(default_project: Path) -> None:
    workflow = yaml.safe_load((default_project / ".github/workflows/ci.yml").read_text())
    job = workflow["jobs"]["template"]
    assert job["if"] == "vars.SCAFFOLD_CHECK == 'true'"  # off until the team turns it on
    assert any(step.get("run") == "scaffold check --json ." for step in job["steps"])
