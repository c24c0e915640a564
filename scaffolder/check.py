"""``scaffold check``: is each project on the latest template version and within the preset?

For each project it compares the recorded template version with the template's newest release
tag, the recorded answers with the preset's locked answers, and the template-owned files with
what Copier renders from the same answers at the same version (drift).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder import presets, template
from scaffolder import project as project_
from scaffolder.errors import ScaffoldError
from scaffolder.project import ANSWERS_FILE, Project


@dataclass(frozen=True)
class Drift:
    """A template-owned file that differs from the template's rendering."""

    path: str
    change: str  # "modified" or "deleted"


@dataclass(frozen=True)
class ProjectCheck:
    """The findings for one project."""

    project: Path
    version: str | None
    latest: str | None
    violations: tuple[presets.Violation, ...] = ()
    drift: tuple[Drift, ...] = ()
    error: str | None = None

    @property
    def current(self) -> bool:
        """Whether the project is on the newest release (or newer, e.g. rendered from HEAD)."""
        mine, latest = project_.parse_version(self.version), project_.parse_version(self.latest)
        return mine is not None and latest is not None and mine >= latest

    def passed(self, strict: bool) -> bool:
        """Current and compliant; with ``strict``, also without drift."""
        return (
            self.error is None
            and self.current
            and not self.violations
            and not (strict and self.drift)
        )

    def as_dict(self, strict: bool) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "project": str(self.project),
            "version": self.version,
            "latest": self.latest,
            "current": self.current,
            "violations": [
                {"key": v.key, "expected": v.expected, "actual": v.actual} for v in self.violations
            ],
            "drift": [{"path": d.path, "change": d.change} for d in self.drift],
            "error": self.error,
            "ok": self.passed(strict),
        }


@dataclass(frozen=True)
class CheckReport:
    """The findings for every project checked."""

    projects: tuple[ProjectCheck, ...]
    strict: bool = False

    @property
    def ok(self) -> bool:
        """Whether every project passed."""
        return all(check.passed(self.strict) for check in self.projects)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready report (``scaffold check --json``)."""
        return {
            "ok": self.ok,
            "strict": self.strict,
            "projects": [check.as_dict(self.strict) for check in self.projects],
        }


def scan(
    paths: Sequence[Path], preset: presets.Preset | None = None, strict: bool = False
) -> CheckReport:
    """Check each project; a project whose template cannot be reached gets an ``error``.

    Raises:
        BadInputError: A path is not a generated project, or the preset names a question the
            template does not ask.
    """
    projects = [project_.load(path) for path in paths]
    if preset:
        for project in projects:
            presets.validate(preset, template.questions(project.src_path))
    tags: dict[str, dict[str, Any]] = {}  # per template source: one `git ls-remote` for all
    return CheckReport(tuple(_check(project, preset, tags) for project in projects), strict)


def _check(
    project: Project, preset: presets.Preset | None, tags: dict[str, dict[str, Any]]
) -> ProjectCheck:
    violations = tuple(presets.violations(preset, project.answers)) if preset else ()
    try:
        if project.version is None:
            raise ScaffoldError(
                f"{project.name} records no template version (commit {project.commit}), so it "
                "cannot be compared with the template's releases."
            )
        if project.src_path not in tags:
            tags[project.src_path] = project_.version_tags(project.src_path)
        known = tags[project.src_path]
        if not known:
            raise ScaffoldError(
                f"The template {project.src_path} has no vX.Y.Z release tags to compare with."
            )
        latest = max(known, key=known.__getitem__)
        drift = drift_of(project)
    except ScaffoldError as error:
        return ProjectCheck(project.path, project.commit, None, violations, error=str(error))
    return ProjectCheck(project.path, project.commit, latest, violations, tuple(drift))


def drift_of(project: Project) -> list[Drift]:
    """Template-owned files that differ from a fresh rendering at the project's version."""
    drift = []
    with project_.fresh_rendering(project) as rendered:
        for file in sorted(path for path in rendered.rglob("*") if not path.is_dir()):
            relative = file.relative_to(rendered).as_posix()
            mine = project.path / relative
            if relative == ANSWERS_FILE:
                continue  # answers and version are checked on their own
            if not mine.is_file():
                drift.append(Drift(relative, "deleted"))
            elif mine.read_bytes() != file.read_bytes():
                drift.append(Drift(relative, "modified"))
    return drift
