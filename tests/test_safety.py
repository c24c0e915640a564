"""Templates cannot run code or reach outside the project without --trust; failed updates undo."""

from pathlib import Path

import copier
import pytest
import yaml
from typer.testing import CliRunner

from scaffolder import git as scaffold_git
from scaffolder import transaction
from scaffolder.cli import app
from scaffolder.errors import ExitCode
from tests.helpers import build_file_tree, git, git_save, new_project, scaffold, snapshot, status

pytestmark = pytest.mark.usefixtures("git_identity")

QUESTIONS = "_subdirectory: tpl\nproject_name:\n  type: str\n  default: Tiny\n"
ANSWERS = {"tpl/{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}"}


def tiny_template(root: Path, questions: str = QUESTIONS, **files: str) -> Path:
    """A template repository tagged v1.0.0: the answers file, README.md and ``files``."""
    root.mkdir(parents=True)
    build_file_tree(
        {
            root / "copier.yml": questions,
            root / "tpl" / "README.md.jinja": "# {{ project_name }}\n",
            **{root / name: text for name, text in {**ANSWERS, **files}.items()},
        }
    )
    git("init", "--quiet", "--initial-branch=main", cwd=root)
    git_save(root, "v1", tag="v1.0.0")
    return root


def new(template: Path, destination: Path, *args: str):
    return CliRunner().invoke(
        app,
        ["new", str(destination), "--template", str(template), "--defaults", "--no-demo-data"]
        + list(args),
    )


def one_line_error(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    assert "Traceback" not in output
    return errors[0]


def test_bundled_template_renders_without_trust(tmp_path: Path) -> None:
    result = scaffold(
        "new", "p", "--defaults", "--no-demo-data", "--no-git-init", "--ref", "HEAD", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load((Path(__file__).parents[1] / "copier.yml").read_text())
    assert not {"_tasks", "_migrations", "_jinja_extensions"} & set(config)


@pytest.mark.parametrize(
    ("setting", "feature"),
    [
        ("_tasks:\n  - touch task-ran\n", "_tasks"),
        ("_jinja_extensions:\n  - jinja2.ext.debug\n", "_jinja_extensions"),
    ],
)
def test_unsafe_template_is_refused_unless_trusted(
    setting: str, feature: str, tmp_path: Path
) -> None:
    template = tiny_template(tmp_path / "template", QUESTIONS + setting)

    refused = new(template, tmp_path / "p")

    assert refused.exit_code == ExitCode.BAD_INPUT, refused.output
    message = one_line_error(refused.output)
    assert f"uses {feature}" in message and "--trust" in message
    assert not (tmp_path / "p").exists()

    trusted = new(template, tmp_path / "p", "--trust")
    assert trusted.exit_code == 0, trusted.output
    assert (tmp_path / "p" / "task-ran").exists() == (feature == "_tasks")


def test_migrations_are_refused_on_update_unless_trusted(tmp_path: Path) -> None:
    template = tiny_template(tmp_path / "template")
    project = new_project(template, tmp_path / "p")
    with (template / "copier.yml").open("a") as questions:
        questions.write("_migrations:\n  - version: v2.0.0\n    command: touch migrated\n")
    (template / "tpl" / "README.md.jinja").write_text("# {{ project_name }} v2\n")
    git_save(template, "v2", tag="v2.0.0")
    head = git("rev-parse", "HEAD", cwd=project)

    refused = CliRunner().invoke(app, ["update", str(project)])

    assert refused.exit_code == ExitCode.BAD_INPUT, refused.output
    assert "uses _migrations" in one_line_error(refused.output)
    assert status(project) == "" and git("rev-parse", "HEAD", cwd=project) == head
    assert (project / "README.md").read_text() == "# Tiny\n"

    trusted = CliRunner().invoke(app, ["update", str(project), "--trust"])
    assert trusted.exit_code == 0, trusted.output
    assert (project / "README.md").read_text() == "# Tiny v2\n"
    assert (project / "migrated").exists()


def test_a_template_writing_into_git_is_refused_before_any_hook_runs(tmp_path: Path) -> None:
    marker = tmp_path / "hook-ran"
    hook = f"#!/bin/sh\ntouch {marker}\n"
    template = tiny_template(tmp_path / "template", **{"tpl/{{ '.git' }}/hooks/post-commit": hook})

    result = new(template, tmp_path / "p")

    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "writes .git/hooks/post-commit into git's own folder" in one_line_error(result.output)
    assert not (tmp_path / "p").exists() and not marker.exists()


def test_an_update_writing_into_git_is_undone_and_refused(tmp_path: Path) -> None:
    template = tiny_template(tmp_path / "template")
    project = new_project(template, tmp_path / "p")
    hooks_before = sorted(path.name for path in (project / ".git" / "hooks").iterdir())
    build_file_tree({template / "tpl" / "{{ '.git' }}" / "hooks" / "post-checkout": "#!/bin/sh\n"})
    git_save(template, "v2", tag="v2.0.0")

    result = CliRunner().invoke(app, ["update", str(project)])

    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "writes .git/hooks/post-checkout into git's own folder" in one_line_error(result.output)
    assert sorted(path.name for path in (project / ".git" / "hooks").iterdir()) == hooks_before
    assert status(project) == ""


def test_rendered_paths_cannot_leave_the_destination(tmp_path: Path) -> None:
    questions = QUESTIONS + "file_name:\n  type: str\n  default: notes\n"
    template = tiny_template(tmp_path / "template", questions, **{"tpl/{{ file_name }}.txt": "x"})
    (tmp_path / "work").mkdir()

    result = new(template, tmp_path / "work" / "p", "-d", "file_name=../../escaped")

    assert result.exit_code != 0
    assert "is forbidden" in one_line_error(result.output)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "work" / "p").exists()


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A project of the tiny template at v1.0.0, a v2.0.0 that changes README.md and adds a file,
    and an ignored data file in the project, as users keep their data."""
    template = tiny_template(tmp_path / "template", **{"tpl/.gitignore": "data/\n"})
    project = new_project(template, tmp_path / "p")
    (template / "tpl" / "README.md.jinja").write_text("# {{ project_name }} v2\n")
    build_file_tree({template / "tpl" / "NEW.md": "new in v2\n"})
    git_save(template, "v2", tag="v2.0.0")
    build_file_tree({project / "data" / "image.png": "user data"})
    return project


def test_an_interrupted_update_leaves_the_project_exactly_as_committed(
    tiny_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_update = copier.run_update

    def interrupted(*args, **kwargs):
        real_update(*args, **kwargs)  # every file written (in the scratch clone) ...
        raise KeyboardInterrupt  # ... then Ctrl-C before scaffold applies anything

    monkeypatch.setattr(copier, "run_update", interrupted)
    before = snapshot(tiny_project)

    result = CliRunner().invoke(app, ["update", str(tiny_project)])

    assert result.exit_code == 130, result.output
    assert "Interrupted: p was not changed; it is as last committed." in result.output
    assert snapshot(tiny_project) == before and status(tiny_project) == ""
    assert not (tiny_project / ".git" / transaction.AREA).exists()


def test_a_failure_while_applying_puts_the_project_back(
    tiny_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_place = transaction._place
    placed: list[Path] = []

    def disk_full_at_the_second_file(source: Path, target: Path) -> None:
        if placed:
            raise OSError(28, "No space left on device")
        real_place(source, target)
        placed.append(target)

    monkeypatch.setattr(transaction, "_place", disk_full_at_the_second_file)
    before = snapshot(tiny_project)

    result = CliRunner().invoke(app, ["update", str(tiny_project)])

    assert result.exit_code == ExitCode.ERROR, result.output
    message = one_line_error(result.output)
    assert "could not be applied" in message and "put back as last committed" in message
    assert placed, "the failure came after a first file was written"
    assert snapshot(tiny_project) == before and status(tiny_project) == ""


def test_an_update_that_can_be_neither_applied_nor_undone_is_finished_by_the_next_run(
    tiny_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_place, real_git = transaction._place, scaffold_git.git

    def place_once(source: Path, target: Path) -> None:
        monkeypatch.setattr(transaction, "_place", broken)
        real_place(source, target)

    def broken(source: Path, target: Path) -> None:
        raise OSError(5, "Input/output error")

    def git_that_cannot_checkout(*args: str, cwd: Path) -> str:
        if "checkout" in args and cwd == tiny_project:
            raise scaffold_git.GitError("git checkout failed", "unable to write file")
        return real_git(*args, cwd=cwd)

    monkeypatch.setattr(transaction, "_place", place_once)
    monkeypatch.setattr(scaffold_git, "git", git_that_cannot_checkout)
    failed = CliRunner().invoke(app, ["update", str(tiny_project)])
    assert failed.exit_code == ExitCode.ERROR, failed.output
    assert "run `scaffold update` again" in " ".join(one_line_error(failed.output).split())
    assert (tiny_project / ".git" / transaction.AREA / transaction.JOURNAL).exists()
    monkeypatch.undo()

    finished = CliRunner().invoke(app, ["update", str(tiny_project)])

    assert finished.exit_code == 0, finished.output
    assert "scaffold finished it" in " ".join(finished.output.split())
    assert (tiny_project / "README.md").read_text() == "# Tiny v2\n"
    assert (tiny_project / "NEW.md").read_text() == "new in v2\n"
    assert (tiny_project / "data" / "image.png").read_text() == "user data"
    assert not (tiny_project / ".git" / transaction.AREA).exists()
    assert CliRunner().invoke(app, ["update", str(tiny_project)]).exit_code == ExitCode.BAD_INPUT
