"""Team presets: `scaffold new --preset` applies them, `scaffold check --preset` enforces them."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffolder.cli import app
from scaffolder.errors import ExitCode
from tests.helpers import answers, build_file_tree, new_project

PRESET = """\
locked:
  precision: bf16-mixed
  ci: none
defaults:
  logger: tensorboard
  optimizer: sgd
"""


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(arg) for arg in args])


@pytest.fixture
def preset(tmp_path: Path) -> Path:
    build_file_tree({tmp_path / "team.yml": PRESET})
    return tmp_path / "team.yml"


def test_new_applies_locked_answers_and_team_defaults(preset: Path, tmp_path: Path) -> None:
    result = invoke(
        "new", tmp_path / "p", "--preset", preset, "-d", "optimizer=adam",
        "--no-demo-data", "--no-git-init",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    recorded = answers(tmp_path / "p")
    assert recorded["precision"] == "bf16-mixed" and recorded["ci"] == "none"  # locked
    assert recorded["logger"] == "tensorboard"  # the team's default
    assert recorded["optimizer"] == "adam"  # an answer given beats a team default
    assert not (tmp_path / "p" / ".github").exists()


def test_an_answer_against_a_locked_one_is_refused(preset: Path, tmp_path: Path) -> None:
    result = invoke("new", tmp_path / "p", "--preset", preset, "-d", "precision=16-mixed")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "precision=16-mixed contradicts the preset" in " ".join(result.output.split())
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("locked: {precision: bf16-mixed}\nextra: {a: 1}\n", "unknown section(s) extra"),
        ("locked: [precision]\n", "has a locked: that is not a mapping"),
        ("defaults: {colour: red}\n", "names colour under defaults:, but the template asks no"),
        ("locked: {ci: none}\ndefaults: {ci: github}\n", "both locks and defaults ci"),
        ("locked: {dropout: high}\n", "dropout must be a number; got 'high'."),
        ("locked: [\n", "is not valid YAML at line"),
    ],
)
def test_a_bad_preset_is_one_sentence_and_exit_2(
    content: str, message: str, tmp_path: Path
) -> None:
    build_file_tree({tmp_path / "bad.yml": content})
    result = invoke("new", tmp_path / "p", "--preset", tmp_path / "bad.yml", "--defaults")
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "p").exists()


@pytest.mark.usefixtures("git_identity")
def test_check_reports_answers_that_break_the_preset(
    preset: Path, template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes", ref="v2.0.0", precision="16-mixed")

    result = invoke("check", project, "--preset", preset, "--json")

    assert result.exit_code == 1, result.output
    [report] = json.loads(result.output)["projects"]
    assert report["current"] is True
    assert report["violations"] == [
        {"key": "precision", "expected": "bf16-mixed", "actual": "16-mixed"},
        {"key": "ci", "expected": "none", "actual": "github"},
    ]
    build_file_tree({tmp_path / "lenient.yml": "locked: {precision: 16-mixed}\n"})
    assert invoke("check", project, "--preset", tmp_path / "lenient.yml").exit_code == 0
