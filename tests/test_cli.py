"""``scaffold`` as a user runs it: a subprocess without a terminal, plus in-process checks."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from scaffolder import template
from scaffolder.cli import app
from tests.helpers import ROOT, run

SCAFFOLD = str(Path(sys.executable).parent / "scaffold")


def scaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run([SCAFFOLD, *args], cwd=cwd)


def test_help_and_version_run_as_a_process(tmp_path: Path) -> None:
    help_ = scaffold("--help", cwd=tmp_path)
    assert help_.returncode == 0
    assert "new" in help_.stdout and "options" in help_.stdout
    version = scaffold("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("scaffold ")
    for command in ("new", "options", "update", "reconfigure", "check", "verify"):
        command_help = scaffold(command, "--help", cwd=tmp_path)
        assert command_help.returncode == 0
        assert f"Example: scaffold {command}" in command_help.stdout, command
    assert "--install-completion" in help_.stdout


def test_new_renders_commits_and_writes_ignored_demo_data(tmp_path: Path) -> None:
    result = scaffold(
        "new", "shapes", "--defaults", "-d", "project_name=Shape Sorter", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    project = tmp_path / "shapes"
    assert "python -m shape_sorter fit --config configs/default.yaml" in result.stdout
    summary = result.stdout.split("Created")[0]  # the answers table comes first
    for answer in ("Shape Sorter", "shape_sorter", "imagefolder", "cross_entropy", "32-true"):
        assert answer in summary
    log = run(["git", "log", "--format=%s"], cwd=project).stdout.splitlines()
    assert log == ["Generate Shape Sorter from the scaffold template"]
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""
    assert run(["git", "check-ignore", "data"], cwd=project).returncode == 0
    for split, per_class in [("train", 200), ("val", 50), ("test", 50)]:
        for shape in ("circle", "square", "triangle"):
            assert len(list((project / "data" / split / shape).glob("*.png"))) == per_class
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["package_name"] == "shape_sorter"
    assert Path(recorded["_src_path"]).is_absolute()


def test_new_takes_answers_from_a_data_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("project_name: Filed\nbackbone: resnet18\nprecision: bf16-mixed\n")
    result = scaffold(
        "new",
        "filed",
        "--data-file",
        str(answers),
        "-d",
        "precision=16-mixed",
        "--no-demo-data",
        "--no-git-init",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    recorded = yaml.safe_load((tmp_path / "filed" / ".copier-answers.yml").read_text())
    assert recorded["backbone"] == "resnet18"
    assert recorded["precision"] == "16-mixed"  # --data wins over the file
    assert not (tmp_path / "filed" / ".git").exists()


@pytest.mark.parametrize("package_name", ["class", "my-pkg", "1abc", "../x"])
def test_bad_package_name_exits_2_with_one_sentence_and_no_folder(
    package_name: str, tmp_path: Path
) -> None:
    result = scaffold(
        "new", "bad", "--defaults", "-d", f"package_name={package_name}", cwd=tmp_path
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "package_name" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "dropout=abc"], "dropout must be a number; got 'abc'."),
        (["-d", "precision"], "--data 'precision' is not of the form key=value"),
        (["--data-file", "missing.yml"], "Cannot read the answers file missing.yml"),
        (["--data-file", "broken.yml"], "The answers file broken.yml is not valid YAML at line 2."),
        (["--data-file", "list.yml"], "must be a YAML mapping of question: answer"),
        (["--data-file", "shapes.yml"], "dropout must be a number; got [1]."),
        (["-d", "backbone=resnet18", "-d", "widths=[1,"], "widths must be valid YAML"),
        (["-d", "package_name=csv"], 'package_name "csv" would shadow the csv package'),
        (["-d", 'project_name=Say "hi"'], "must not contain double quotes, backslashes"),
        (["-d", "dropout=1.5"], "dropout must be at least 0 and below 1; got 1.5."),
        (["-d", "widths=[32, 0]"], "widths must be a non-empty list of positive integers"),
        (
            ["-d", "task=regression", "-d", "loss=focal"],
            "focal fits classification, multilabel but not regression",
        ),
        (["-d", f"package_name={'a' * 25}"], "is 25 characters long; keep it to 24 or fewer"),
        (
            ["-d", "task=detection", "-d", "dataset_layout=csv"],
            "csv fits classification, multilabel, regression but not detection",
        ),
        (
            ["-d", "backbone=timm", "-d", "timm_model=convnext_nan"],
            "timm has no model 'convnext_nan'; close matches: convnext_nano",
        ),
    ],
)
def test_bad_arguments_exit_2_with_a_message(args: list[str], message: str, tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("task: classification\nbackbone: [resnet18\n")
    (tmp_path / "list.yml").write_text("- task\n")
    (tmp_path / "shapes.yml").write_text("dropout: [1]\nbackbone: resnet18\n")
    result = scaffold("new", "bad", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split()), result.stderr
    assert not (tmp_path / "bad").exists()


def test_non_empty_destination_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(app, ["new", str(tmp_path / "taken"), "--defaults"])
    assert result.exit_code == 2
    assert "already exists and is not empty" in result.output
    assert "--overwrite" in result.output
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_overwrite_renders_into_a_folder_and_keeps_its_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    (folder / "data").mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    (folder / "README.md").write_text("old readme")
    result = scaffold("new", str(folder), "--defaults", "--overwrite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "README.md").read_text().startswith("# Shapes Classifier")
    assert (folder / "src" / "shapes_classifier" / "model.py").is_file()
    assert not list((folder / "data").iterdir()), "demo data went into the user's data folder"
    assert not (folder / ".git").exists(), "the user's files were committed"
    warnings = " ".join(result.stderr.split())
    assert "Replaced 1 existing files: README.md." in warnings
    assert "made no commit" in warnings and "no demo data was written" in warnings
    assert not list(tmp_path.glob(".scaffold-*")), "the staging folder was left behind"


def test_a_failed_overwrite_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "README.md").write_text("old readme")
    result = scaffold(
        "new", str(folder), "--defaults", "--overwrite", "-d", "dropout=2", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "dropout must be at least 0 and below 1" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["README.md"]
    assert (folder / "README.md").read_text() == "old readme"
    assert not list(tmp_path.glob(".scaffold-*"))


def test_unknown_answers_are_named_in_a_warning(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["new", str(tmp_path / "p"), "-d", "colour=red", "--no-demo-data", "--no-git-init"]
    )
    assert result.exit_code == 0, result.output
    assert "Ignoring answers the template does not ask for: colour." in result.output


def test_options_lists_questions_and_choices() -> None:
    result = CliRunner().invoke(app, ["options"])
    assert result.exit_code == 0
    for text in ("backbone", "resnet18", "precision", "bf16-mixed"):
        assert text in result.output
    assert "python_keywords" not in result.output


@pytest.mark.parametrize("columns", [200, 100, 60, 40])
def test_options_never_cuts_a_choice_off(columns: int, tmp_path: Path) -> None:
    result = run([SCAFFOLD, "options"], cwd=tmp_path, COLUMNS=str(columns))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    shown = [question for question in template.questions(str(ROOT)).values() if not question.hidden]
    for question in shown:
        for choice in question.choices:
            # Whole, and alone in its cell or line: not wrapped onto the next line.
            assert any(re.search(rf"(^|[│ ]){re.escape(choice)}( |$)", line) for line in lines), (
                f"{question.key}: {choice} at {columns} columns"
            )
    assert "…" not in result.stdout


def test_a_data_file_value_of_the_wrong_shape_is_named(tmp_path: Path) -> None:
    (tmp_path / "answers.yml").write_text("backbone: {name: resnet18}\n")
    result = scaffold("new", "bad", "--data-file", "answers.yml", cwd=tmp_path)
    assert result.returncode == 2
    assert "backbone must be a single value" in result.stderr
    assert not (tmp_path / "bad").exists()


def test_destination_below_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = scaffold("new", "notes.txt/project", "--defaults", cwd=tmp_path)
    assert result.returncode == 2
    assert "notes.txt is a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_template_is_one_sentence_and_exit_1(tmp_path: Path) -> None:
    result = scaffold(
        "new", "p", "--defaults", "--template", "https://127.0.0.1:9/none.git", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "Error: Cannot fetch the template https://127.0.0.1:9/none.git" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "p").exists()


def test_failed_first_commit_leaves_nothing_behind(tmp_path: Path) -> None:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n")
    result = run(
        [SCAFFOLD, "new", "p", "--defaults", "--no-demo-data"],
        cwd=tmp_path,
        GIT_CONFIG_GLOBAL=str(gitconfig),
    )
    assert result.returncode == 1
    assert "Error: git commit failed" in result.stderr
    assert not (tmp_path / "p").exists()


def test_computed_values_cannot_be_overridden(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["new", str(tmp_path / "p"), "-d", "max_epochs=3", "--no-demo-data", "--no-git-init"]
    )
    assert result.exit_code == 0, result.output
    assert "Ignoring answers the template does not ask for: max_epochs." in result.output
    assert "max_epochs: 20" in (tmp_path / "p" / "configs" / "default.yaml").read_text()
