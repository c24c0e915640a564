"""The template's git history: its latest release, and where a project's recorded commit stands.

A team releases the template by tagging it ``vX.Y.Z`` (PEP 440), or not at all: Copier records
a bare commit for a template without tags and updates such projects too. So the latest release
is the newest version tag when there is one, else the newest commit of the default branch; and
how far a project is behind is a question for git (ancestry and commit counts), not for version
strings.
"""

import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from packaging.version import InvalidVersion, Version

from scaffolder import git
from scaffolder.errors import BadInputError, ScaffoldError
from scaffolder.project import ANSWERS_FILE, Project

# Copier's shortcuts for hosted templates, which git itself does not understand.
SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
# What `git describe --tags` prints for a commit after a tag: "<tag>-<count>-g<hash>".
DESCRIBED = re.compile(r"^.+-\d+-g[0-9a-f]+$")


@dataclass(frozen=True)
class Release:
    """A template commit to render: the ref handed to Copier, its full hash and how to show it."""

    ref: str
    sha: str
    label: str
    tagged: bool


@dataclass(frozen=True)
class Standing:
    """Where a project's recorded template commit stands against the latest release."""

    latest: Release
    current: bool
    behind: int | None  # commits from the project's to the latest; None when not an ancestor

    def describe(self) -> str:
        """``current``, ``3 commits behind abc1234`` or ``update available: v2.0.0``."""
        if self.current:
            return "current"
        if not self.latest.tagged and self.behind is not None:
            plural = "commit" if self.behind == 1 else "commits"
            return f"{self.behind} {plural} behind {self.latest.label}"
        return f"update available: {self.latest.label}"


def version_of(tag: str) -> Version | None:
    """The release version a tag names (``v1.2.0`` -> 1.2.0), or None for other tags."""
    if DESCRIBED.match(tag):
        return None
    try:
        version = Version(tag)
    except InvalidVersion:
        return None
    return None if version.is_prerelease else version


class TemplateHistory:
    """Read-only access to the history of the template at ``source`` (a path or a git URL).

    A local template is read in place; a remote one is cloned once, commits only (no files),
    into a temporary folder that ``close`` removes.
    """

    def __init__(self, source: str, project: Project | None = None) -> None:
        self.source = source
        self._project = project
        self._clone: Path | None = None

    def __enter__(self) -> "TemplateHistory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the clone of a remote template, if one was made."""
        if self._clone is not None:
            shutil.rmtree(self._clone.parent, ignore_errors=True)
            self._clone = None

    @cached_property
    def url(self) -> str:
        """The source as git understands it."""
        for shortcut, prefix in SHORTCUTS.items():
            if self.source.startswith(shortcut):
                return prefix + self.source.removeprefix(shortcut)
        return self.source

    @cached_property
    def repository(self) -> Path:
        """A local git repository holding the template's commits."""
        local = Path(self.url)
        try:
            if local.is_dir():
                top = git.git("rev-parse", "--show-toplevel", cwd=local)
                if Path(top).resolve() != local.resolve():
                    raise git.GitError("not a git repository", "it is not a git repository")
                return local
            clone = Path(tempfile.mkdtemp(prefix="scaffold-history-")) / "template.git"
            self._clone = clone
            git.git(
                "clone",
                "--quiet",
                "--bare",
                "--filter=tree:0",
                "--",
                self.url,
                str(clone),
                cwd=clone.parent,
            )
            return clone
        except git.GitError as error:
            project = self._project
            answers = project.path / ANSWERS_FILE if project else ANSWERS_FILE
            raise ScaffoldError(
                f"The template at _src_path {self.source} cannot be found or read "
                f"({error.reason.rstrip('.')}); if it moved, set _src_path in {answers} to its "
                "new path or URL and commit."
            ) from None

    @cached_property
    def tags(self) -> dict[str, Version]:
        """The template's release tags (PEP 440, no pre-releases, as Copier picks), by name."""
        listing = self._git("tag", "--list")
        found = {name: version_of(name) for name in listing.splitlines()}
        return {name: version for name, version in found.items() if version is not None}

    @cached_property
    def latest(self) -> Release:
        """The newest release tag, or the default branch's newest commit when there is none."""
        if self.tags:
            name = max(self.tags, key=self.tags.__getitem__)
            return Release(name, self.resolve(name), name, tagged=True)
        sha = self.resolve("HEAD")
        return Release(sha, sha, sha[:7], tagged=False)

    def release(self, ref: str) -> Release:
        """The release named by ``--to``: a tag (``2.0.0`` finds ``v2.0.0``), branch or commit."""
        if ref not in self.tags:
            wanted = version_of(ref)
            ref = next((name for name, v in self.tags.items() if v == wanted and wanted), ref)
        sha = self.resolve(ref)
        tagged = ref in self.tags
        return Release(ref if tagged else sha, sha, ref if tagged else sha[:7], tagged)

    def resolve(self, ref: str) -> str:
        """The full hash of the commit ``ref`` names in the template's history."""
        try:
            return self._git(
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{ref}^{{commit}}",
            )
        except git.GitError:
            raise BadInputError(
                f"The template at {self.source} has no tag, branch or commit {ref!r}; "
                "`git tag` there lists its releases."
            ) from None

    def standing(self, project: Project) -> Standing:
        """Whether ``project`` is on the latest release, and how many commits behind if not."""
        latest = self.latest
        mine = self.recorded(project)
        if mine == latest.sha or self.is_ancestor(latest.sha, mine):
            return Standing(latest, current=True, behind=0)
        behind = None
        if self.is_ancestor(mine, latest.sha):
            count = self._git("rev-list", "--count", f"{mine}..{latest.sha}")
            behind = int(count)
        return Standing(latest, current=False, behind=behind)

    def recorded(self, project: Project) -> str:
        """The full hash of the template commit the project records in ``_commit``."""
        if project.commit is None:
            raise BadInputError(
                f"{project.name} records no template commit (_commit in {ANSWERS_FILE}): it was "
                "generated from a template folder that is not a git repository, so it cannot "
                "be compared with or updated to a release."
            )
        try:
            return self.resolve(project.commit)
        except BadInputError:
            raise BadInputError(
                f"{project.name} records template commit {project.commit}, which the template "
                f"at {self.source} does not have (it was rendered from uncommitted template "
                "changes, or the template's history was rewritten); set _commit in "
                f"{ANSWERS_FILE} to the release it came from and commit."
            ) from None

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether commit ``older`` is in the history of ``newer`` (a commit is its own)."""
        try:
            self._git("merge-base", "--is-ancestor", older, newer)
        except git.GitError:
            return False
        return True

    def questions_at(self, sha: str) -> set[str] | None:
        """The question keys of the template's copier.yml at a commit; None if unreadable."""
        for name in ("copier.yml", "copier.yaml"):
            try:
                text = self._git("show", f"{sha}:{name}")
            except git.GitError:
                continue
            try:
                config = yaml.safe_load(text)
            except yaml.YAMLError:
                return None
            if isinstance(config, dict):
                return {key for key in config if not key.startswith("_")}
        return None

    def _git(self, *args: str) -> str:
        return git.git(*args, cwd=self.repository)
