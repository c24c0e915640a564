"""``scaffold new``: render the template, then git init, first commit and demo data."""

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaffolder import answers as answers_
from scaffolder import git, gitguard, presets, template
from scaffolder.errors import BadInputError, ScaffoldError, copier_errors
from scaffolder.project import ANSWERS_FILE, package_env

DEMO_DATA_DIR = "data"


@dataclass(frozen=True)
class NewOptions:
    """What ``scaffold new`` was asked to do."""

    destination: Path
    answers: Mapping[str, Any] = field(default_factory=dict)
    template: str | None = None
    ref: str | None = None
    defaults: bool = False
    git_init: bool = True
    demo_data: bool = True
    preset: presets.Preset | None = None
    trust: bool = False
    # Render into a folder that already has files, replacing those the template also writes.
    overwrite: bool = False
    # Values for the data section of configs/default.yaml, set before the first commit.
    data_settings: Mapping[str, Any] = field(default_factory=dict)
    # Told what each long step is about to do, so a CLI can show it.
    progress: Callable[[str], None] = lambda step: None


@dataclass(frozen=True)
class NewResult:
    """What ``scaffold new`` produced."""

    destination: Path
    answers: dict[str, Any]
    commit: str | None
    demo_data: Path | None
    warnings: tuple[str, ...]

    @property
    def package_name(self) -> str | None:
        """The import name of the generated package (None for a template that asks none)."""
        return self.answers.get("package_name")


def resolve_source(source: str | None) -> str:
    """The template source as recorded in answers files: an absolute path or a URL."""
    if source is None:
        return template.default_source()
    if Path(source).exists():
        return str(Path(source).resolve())
    return source


def new(options: NewOptions) -> NewResult:
    """Render a project into a new or empty folder; on failure leave the folder as it was."""
    destination = options.destination.resolve()
    existing = options.overwrite and destination.is_dir() and any(destination.iterdir())
    if not existing:
        check_destination(destination)
    source = resolve_source(options.template)
    questions = template.questions(source)
    unknown = answers_.check(options.answers, questions)
    given = {key: value for key, value in options.answers.items() if key not in unknown}
    warnings = []
    if unknown:
        warnings.append(f"Ignoring answers the template does not ask for: {', '.join(unknown)}.")
    user_defaults: dict[str, Any] = {}
    if options.preset:
        presets.validate(options.preset, questions)
        given, user_defaults = presets.apply(options.preset, given)

    if existing:
        return _new_over_existing(destination, source, given, user_defaults, options, warnings)
    existed = destination.exists()
    try:
        options.progress(f"Rendering {destination.name}")
        with gitguard.guarded(destination, source):
            _copy(source, destination, given, user_defaults, options)
        set_data_options(destination, options.data_settings)
        recorded = yaml.safe_load((destination / ANSWERS_FILE).read_text())
        commit = None
        if options.git_init:
            options.progress("Committing it to a new git repository")
            message = f"Generate {recorded['project_name']} from the scaffold template"
            commit = git.init_and_commit(destination, message)
    except BaseException:
        _remove_what_was_written(destination, existed)
        raise

    warnings += _version_warnings(source, recorded)
    demo_data = _demo_data(destination, recorded, options, warnings)
    return NewResult(destination, recorded, commit, demo_data, tuple(warnings))


def _new_over_existing(
    destination: Path,
    source: str,
    answers: dict[str, Any],
    user_defaults: dict[str, Any],
    options: NewOptions,
    warnings: list[str],
) -> NewResult:
    """Render beside a folder that has files, then copy the result over them (``--overwrite``).

    Rendering happens in a temporary folder, so a failure leaves the user's folder untouched;
    its files that the template does not write stay, and nothing is committed for the user.
    """
    with tempfile.TemporaryDirectory(prefix=".scaffold-", dir=destination.parent) as tmp:
        staging = Path(tmp) / destination.name
        options.progress(f"Rendering {destination.name}")
        with gitguard.guarded(staging, source):
            _copy(source, staging, answers, user_defaults, options)
        set_data_options(staging, options.data_settings)
        replaced = sorted(
            str(path.relative_to(staging))
            for path in staging.rglob("*")
            if path.is_file() and (destination / path.relative_to(staging)).exists()
        )
        shutil.copytree(staging, destination, dirs_exist_ok=True)
    recorded = yaml.safe_load((destination / ANSWERS_FILE).read_text())
    if replaced:
        warnings.append(f"Replaced {len(replaced)} existing files: {', '.join(replaced)}.")
    if options.git_init:
        warnings.append(
            f"{destination} already had files, so scaffold made no commit: review them with "
            "`git status` (after `git init` if it is not a repository yet) and commit."
        )
    warnings += _version_warnings(source, recorded)
    demo_data = _demo_data(destination, recorded, options, warnings)
    return NewResult(destination, recorded, None, demo_data, tuple(warnings))


def _version_warnings(source: str, recorded: dict[str, Any]) -> list[str]:
    """Why the project could not be updated later, if it cannot.

    Copier records the commit of a git template, tagged or not, and can update from it; only a
    template folder outside git leaves nothing to update from.
    """
    if "_commit" in recorded:
        return []
    return [
        f"The template at {source} is not a git repository, so this project records no "
        "template commit and cannot be updated with `scaffold update` or `copier update`; "
        "make the template a git repository (git init, commit) and generate it again."
    ]


def _demo_data(
    destination: Path, recorded: dict[str, Any], options: NewOptions, warnings: list[str]
) -> Path | None:
    """Write the demo dataset when asked and possible; never into an existing data folder."""
    if not options.demo_data or "package_name" not in recorded:
        return None
    folder = destination / DEMO_DATA_DIR
    if folder.exists():
        warnings.append(f"{folder} already exists, so no demo data was written into it.")
        return None
    options.progress(f"Writing the demo dataset into {DEMO_DATA_DIR}/")
    problem = write_demo_data(destination, recorded["package_name"])
    if problem:
        warnings.append(problem)
        return None
    return folder


def set_data_options(project: Path, settings: Mapping[str, Any]) -> None:
    """Set keys of the ``data:`` section of the project's configs/default.yaml.

    Line by line, so that the file's comments stay.
    """
    if not settings:
        return
    config = project / "configs" / "default.yaml"
    lines = config.read_text().splitlines(keepends=True)
    unset = dict(settings)
    in_data = False
    for number, line in enumerate(lines):
        if not line.startswith(" "):
            in_data = line.rstrip() == "data:"
            continue
        key = line.strip().partition(":")[0]
        if in_data and line.startswith("  ") and line[2] != " " and key in unset:
            lines[number] = f"  {key}: {json.dumps(unset.pop(key))}\n"
    if unset:
        raise ScaffoldError(f"{config} has no data.{', data.'.join(unset)} to set.")
    config.write_text("".join(lines))


def check_data(project: Path, package_name: str) -> subprocess.CompletedProcess[str]:
    """Run the project's ``check_data`` on the dataset its configuration names."""
    command = [sys.executable, "-m", f"{package_name}.check_data"]
    return subprocess.run(
        command, cwd=project, env=package_env(project), capture_output=True, text=True
    )


def check_destination(destination: Path) -> None:
    """Accept only a folder that does not exist yet or is empty."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BadInputError(
            f"{destination} already exists and is not empty; choose a new folder for the "
            "project, or pass --overwrite to render into it."
        )
    blocking_file = next((parent for parent in destination.parents if parent.is_file()), None)
    if blocking_file:
        raise BadInputError(f"{blocking_file} is a file, so {destination} cannot be created.")


def _remove_what_was_written(destination: Path, existed: bool) -> None:
    if not existed:
        shutil.rmtree(destination, ignore_errors=True)
        return
    for child in destination.iterdir():  # the folder was empty before
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _copy(
    source: str,
    destination: Path,
    answers: dict[str, Any],
    user_defaults: dict[str, Any],
    options: NewOptions,
) -> None:
    """Run Copier, turning its errors into scaffold's."""
    import copier

    try:
        with copier_errors(source, options.ref):
            copier.run_copy(
                source,
                destination,
                data=answers,
                user_defaults=user_defaults,
                defaults=options.defaults,
                vcs_ref=options.ref,
                quiet=True,
                unsafe=options.trust,
            )
    except OSError as error:
        raise ScaffoldError(
            f"Cannot render into {destination}: {error.strerror or error}."
        ) from error


def write_demo_data(project: Path, package_name: str) -> str | None:
    """Write the project's demo dataset into ``data/``; return a warning if that was not possible.

    It runs the project's own ``demo_data`` module with this interpreter, which needs torch; when
    torch is missing the project is still fine and the message says what to run after installing.
    """
    command = [sys.executable, "-m", f"{package_name}.demo_data", DEMO_DATA_DIR]
    result = subprocess.run(
        command, cwd=project, env=package_env(project), capture_output=True, text=True
    )
    if result.returncode == 0:
        return None
    reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
    return (
        f"Demo data was not written ({reason}); after `pip install -e .` in {project}, run "
        f"`python -m {package_name}.demo_data {DEMO_DATA_DIR}`."
    )
