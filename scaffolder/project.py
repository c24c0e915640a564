"""A generated project on disk: its recorded answers, template source and template version."""

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from scaffolder import git
from scaffolder.errors import BadInputError, ScaffoldError, copier_errors

ANSWERS_FILE = ".copier-answers.yml"
# What `git describe --tags` prints for a commit after a tag: "<tag>-<count>-g<hash>".
DESCRIBE = re.compile(r"^(?P<tag>.+)-(?P<count>\d+)-g(?P<hash>[0-9a-f]+)$")
# What it prints where no tag precedes the commit: an abbreviated hash, no version.
BARE_HASH = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class Project:
    """What ``.copier-answers.yml`` says about a generated project."""

    path: Path
    answers: dict[str, Any]
    src_path: str
    commit: str | None

    @property
    def name(self) -> str:
        """The folder name, as tables show it."""
        return self.path.name

    @property
    def version(self) -> Version | None:
        """The template version the project was last rendered from, if it has one."""
        return parse_version(self.commit)


def package_env(project: Path) -> dict[str, str]:
    """This process's environment with the project's ``src/`` first on PYTHONPATH.

    What was on PYTHONPATH stays after it, so that packages installed outside the interpreter's
    own site-packages (``pip install --target``) are still found by the project's commands.
    """
    pythonpath = os.pathsep.join(filter(None, [str(project / "src"), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": pythonpath}


def load(path: Path) -> Project:
    """Read the project at ``path``; refuse a folder that scaffold or Copier did not generate."""
    path = path.resolve()
    answers_file = path / ANSWERS_FILE
    if not answers_file.is_file():
        raise BadInputError(
            f"{path} is not a generated project: it has no {ANSWERS_FILE} (pass the project's "
            "root folder)."
        )
    try:
        recorded = yaml.safe_load(answers_file.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise BadInputError(f"{answers_file} cannot be read as YAML: {error}.") from error
    if not isinstance(recorded, dict) or not recorded.get("_src_path"):
        raise BadInputError(
            f"{answers_file} records no template source (_src_path), so {path} cannot be "
            "compared with or updated from its template."
        )
    commit = recorded.get("_commit")
    return Project(
        path=path,
        answers={key: value for key, value in recorded.items() if not key.startswith("_")},
        src_path=str(recorded["_src_path"]),
        commit=str(commit) if commit is not None else None,
    )


def parse_version(commit: str | None) -> Version | None:
    """The PEP 440 version of a recorded ``_commit``, as Copier reads it; None for a bare hash."""
    if not commit or BARE_HASH.match(commit):
        return None
    described = DESCRIBE.match(commit)
    try:
        if described:
            return Version(f"{described['tag']}.post{described['count']}+g{described['hash']}")
        return Version(commit)
    except InvalidVersion:
        return None


def is_portable_source(source: str) -> bool:
    """Whether Copier finds ``source`` again from any working directory (URL or absolute path)."""
    return (
        "://" in source or source.startswith(("git@", "gh:", "gl:")) or Path(source).is_absolute()
    )


def version_tags(source: str) -> dict[str, Version]:
    """The template's PEP 440 release tags (no pre-releases, as Copier picks), by name."""
    try:
        listing = git.git(
            "ls-remote", "--tags", "--refs", "--", source, cwd=Path(tempfile.gettempdir())
        )
    except git.GitError as error:
        raise ScaffoldError(
            f"Cannot read the tags of the template {source}: {error.reason}"
        ) from error
    tags = {}
    for line in listing.splitlines():
        name = line.partition("\t")[2].removeprefix("refs/tags/")
        version = parse_version(name)
        if version is not None and not version.is_prerelease and not DESCRIBE.match(name):
            tags[name] = version
    return tags


def latest_tag(source: str) -> str | None:
    """The name of the template's newest release tag, or None when it has none."""
    tags = version_tags(source)
    return max(tags, key=tags.__getitem__) if tags else None


@contextmanager
def fresh_rendering(project: Project) -> Iterator[Path]:
    """A temporary folder with what the template renders from the project's answers at its version.

    Comparing a project with it tells template files the user edited from untouched ones.
    """
    import copier

    with tempfile.TemporaryDirectory(prefix="scaffold-render-") as tmp:
        rendered = Path(tmp) / project.name
        with copier_errors(project.src_path, project.commit):
            copier.run_copy(
                project.src_path,
                rendered,
                data=project.answers,
                defaults=True,
                vcs_ref=project.commit,
                quiet=True,
                unsafe=False,
            )
        yield rendered
