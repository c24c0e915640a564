"""``scaffold check``: is each project on the latest template version and within the preset?

For each project it compares the recorded template commit with the template's latest release
(its newest version tag, or its newest commit when it has no tags), the recorded answers with
the preset's locked answers, and the template-owned files with what Copier renders from the
same answers at the same commit (drift).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder import history, presets, template
from scaffolder import project as project_
from scaffolder.errors import BadInputError, ExitCode, ScaffoldError
from scaffolder.project import ANSWERS_FILE, Project


@dataclass(frozen=True)
class Drift:
    """A template-owned file that differs from the template's rendering."""

    path: str
    change: str  # "modified" or "deleted"


@dataclass(frozen=True)
class ProjectCheck:
    """The findings for one project (or why the path could not be checked)."""

    project: Path
    version: str | None
    latest: str | None = None
    current: bool = False
    behind: int | None = None  # commits from the project's template commit to the latest
    state: str = ""  # "current", "3 commits behind abc1234", "update available: v2.0.0"
    violations: tuple[presets.Violation, ...] = ()
    drift: tuple[Drift, ...] = ()
    error: str | None = None
    not_a_project: bool = False

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
            "behind": self.behind,
            "state": self.state,
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

    @property
    def exit_code(self) -> ExitCode:
        """2 when a path is not a project, else 0 when all passed and 1 otherwise."""
        if any(check.not_a_project for check in self.projects):
            return ExitCode.BAD_INPUT
        return ExitCode.OK if self.ok else ExitCode.ERROR

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
    """Check each path; a bad one gets an ``error`` in the report and the others go on.

    A path is bad when it is not a project or its template cannot be reached.

    Raises:
        BadInputError: The preset names a question the template does not ask.
    """
    checks = []
    histories: dict[str, history.TemplateHistory] = {}  # one per template source
    try:
        for path in paths:
            try:
                project = project_.load(path)
            except BadInputError as error:
                checks.append(
                    ProjectCheck(path.resolve(), None, error=str(error), not_a_project=True)
                )
                continue
            if preset:
                presets.validate(preset, template.questions(project.src_path))
            if project.src_path not in histories:
                histories[project.src_path] = history.TemplateHistory(project.src_path, project)
            checks.append(_check(project, preset, histories[project.src_path]))
    finally:
        for releases in histories.values():
            releases.close()
    return CheckReport(tuple(checks), strict)


def _check(
    project: Project, preset: presets.Preset | None, releases: history.TemplateHistory
) -> ProjectCheck:
    violations = tuple(presets.violations(preset, project.answers)) if preset else ()
    try:
        standing = releases.standing(project)
        drift = drift_of(project)
    except ScaffoldError as error:
        return ProjectCheck(project.path, project.commit, violations=violations, error=str(error))
    return ProjectCheck(
        project.path,
        project.commit,
        latest=standing.latest.label,
        current=standing.current,
        behind=standing.behind,
        state=standing.describe(),
        violations=violations,
        drift=tuple(drift),
    )


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
