"""``scaffold update`` and ``scaffold reconfigure``: Copier's update, with checks and a report.

Copier does the work (a three-way merge of the old rendering, the project and the new
rendering); this module refuses what Copier would refuse with a clearer sentence, lists what
changed and what conflicts, undoes a half-finished update, and runs many projects in a row.
"""

import shlex
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from scaffolder import answers as answers_
from scaffolder import git, template
from scaffolder import project as project_
from scaffolder import verify as verify_
from scaffolder.errors import BadInputError, ExitCode, ScaffoldError, copier_errors
from scaffolder.project import ANSWERS_FILE, Project
from scaffolder.render import FIRST_COMMIT_SUFFIX

# git's porcelain codes for an unstaged change, as the one-letter codes scaffold prints.
CODES = {"??": "A", "D": "D", "M": "M", "T": "M"}


class Outcome(str, Enum):
    """How the update of one project ended."""

    UPDATED = "updated"
    UP_TO_DATE = "up to date"
    CONFLICTS = "conflicts"
    REFUSED = "refused"
    FAILED = "failed"


@dataclass(frozen=True)
class UpdateOptions:
    """How to update: target ref, conflict style, whether to ask new questions, verification."""

    to: str | None = None
    conflict: Literal["inline", "rej"] = "inline"
    defaults: bool = True
    verify: bool = False
    trust: bool = False


@dataclass(frozen=True)
class FileChange:
    """One file the update touched: ``A`` added, ``M`` modified, ``D`` deleted, ``U`` conflict."""

    code: str
    path: str


@dataclass(frozen=True)
class Verification:
    """Result of the project's CPU training test after the update."""

    passed: bool
    summary: str


@dataclass(frozen=True)
class UpdateResult:
    """What happened to one project."""

    project: Path
    outcome: Outcome
    from_version: str | None = None
    to_version: str | None = None
    changes: tuple[FileChange, ...] = ()
    conflicts: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    verification: Verification | None = None
    message: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def exit_code(self) -> ExitCode:
        """The documented exit code for this result alone."""
        if self.outcome is Outcome.CONFLICTS:
            return ExitCode.CONFLICTS
        if self.outcome is Outcome.REFUSED:
            return ExitCode.BAD_INPUT
        if self.outcome is Outcome.FAILED or (self.verification and not self.verification.passed):
            return ExitCode.ERROR
        return ExitCode.OK


def run(path: Path, options: UpdateOptions) -> UpdateResult:
    """Update one project to ``options.to`` (default: the template's latest release tag).

    Raises:
        BadInputError: The tree is dirty, ``path`` is not an updatable project, or ``--to`` is
            older than the project's version.
        ScaffoldError: Copier or git failed; the project is left as it was.
    """
    project = _updatable(path)
    tags = project_.version_tags(project.src_path)
    target = _target(options.to, tags)
    if target is None:
        raise ScaffoldError(
            f"The template {project.src_path} has no vX.Y.Z release tag to update to; tag a "
            "release there, or pass --to with a tag or commit."
        )
    current = project.version
    assert current is not None  # _updatable checked it
    if target in tags:
        # A project rendered from a commit after the latest tag counts as up to date.
        if current == tags[target] or (options.to is None and current > tags[target]):
            return UpdateResult(project.path, Outcome.UP_TO_DATE, project.commit, project.commit)
        if current > tags[target]:
            raise BadInputError(
                f"{project.name} is on template version {project.commit}, newer than {target}; "
                "Copier does not downgrade projects."
            )
    return _apply(project, {}, target, options)


def reconfigure(path: Path, changes: Mapping[str, Any], options: UpdateOptions) -> UpdateResult:
    """Change recorded answers at the project's current template version, keeping user edits."""
    if not changes:
        raise BadInputError(
            "Name at least one answer to change as key=value, e.g. precision=bf16-mixed."
        )
    project = _updatable(path)
    unknown = answers_.check(changes, template.questions(project.src_path))
    if unknown:
        raise BadInputError(
            f"The template asks no question {', '.join(unknown)}, so it cannot be reconfigured; "
            "`scaffold options` lists the questions."
        )
    from copier import VcsRef

    result = _apply(project, dict(changes), VcsRef.CURRENT, options)
    recorded = project_.load(project.path).answers
    skipped = [key for key in changes if key not in recorded]
    if not skipped:
        return result
    warning = (
        f"Not recorded: {', '.join(skipped)}; the template does not ask that with the project's "
        "other answers (for example block, when the backbone is not blocks)."
    )
    return replace(result, warnings=(*result.warnings, warning))


def run_many(paths: Sequence[Path], options: UpdateOptions, search: bool) -> list[UpdateResult]:
    """Update each project in turn, recording refusals and failures instead of stopping.

    With ``search``, each path is a folder holding projects (its direct subfolders), or a
    project itself.
    """
    projects = find_projects(paths) if search else [path.resolve() for path in paths]
    results = []
    for path in projects:
        try:
            results.append(run(path, options))
        except ScaffoldError as error:
            outcome = Outcome.REFUSED if isinstance(error, BadInputError) else Outcome.FAILED
            results.append(UpdateResult(path, outcome, _recorded_commit(path), message=str(error)))
    return results


def batch_exit_code(results: Sequence[UpdateResult]) -> ExitCode:
    """One exit code for many projects: any failure 1, else any refusal 2, else conflicts 3."""
    codes = {result.exit_code for result in results}
    for code in (ExitCode.ERROR, ExitCode.BAD_INPUT, ExitCode.CONFLICTS):
        if code in codes:
            return code
    return ExitCode.OK


def find_projects(folders: Sequence[Path]) -> list[Path]:
    """Generated projects in ``folders``: each folder itself if it is one, else its subfolders."""
    found = []
    for folder in folders:
        folder = folder.resolve()
        if not folder.is_dir():
            raise BadInputError(f"{folder} is not a folder; pass folders that hold projects.")
        if (folder / ANSWERS_FILE).is_file():
            found.append(folder)
            continue
        inside = sorted(child for child in folder.iterdir() if (child / ANSWERS_FILE).is_file())
        if not inside:
            raise BadInputError(
                f"{folder} holds no generated projects (subfolders with {ANSWERS_FILE})."
            )
        found += inside
    return found


def verify(path: Path) -> Verification:
    """Run the project's one-step CPU training test, as ``scaffold verify`` does."""
    [check] = verify_.verify(verify_.VerifyOptions(path)).checks
    return Verification(check.passed, check.detail)


def _updatable(path: Path) -> Project:
    """The project at ``path``, if Copier can update it now; otherwise one sentence why not."""
    project = project_.load(path)
    if project.commit is None or project.version is None:
        recorded = f"commit {project.commit}" if project.commit else "no template version"
        raise BadInputError(
            f"{project.name} records {recorded}, because it was generated from an untagged or "
            "non-git template, so it cannot be updated."
        )
    if not project_.is_portable_source(project.src_path):
        raise BadInputError(
            f"{project.name} records the relative template path {project.src_path}, which Copier "
            f"would resolve against the working directory; set _src_path in {ANSWERS_FILE} to "
            "an absolute path or URL and commit."
        )
    if not git.is_repository(project.path):
        raise BadInputError(
            f"{project.path} is not a git repository; commit the project to git first, so the "
            "update can merge with your history."
        )
    dirty = [name for _, name in git.status(project.path)]
    if dirty:
        shown = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
        raise BadInputError(
            f"{project.path} has uncommitted changes ({shown}); commit or stash them first, "
            "so the update cannot mix with unsaved work."
        )
    return project


def _target(to: str | None, tags: Mapping[str, Any]) -> str | None:
    """The ref to update to: the latest tag, or ``to`` (``2.0.0`` finds the tag ``v2.0.0``)."""
    if to is None:
        return max(tags, key=tags.__getitem__) if tags else None
    wanted = project_.parse_version(to)
    if to not in tags and wanted is not None:
        return next((name for name, version in tags.items() if version == wanted), to)
    return to


def _apply(
    project: Project, data: dict[str, Any], ref: Any, options: UpdateOptions
) -> UpdateResult:
    """Run Copier's update, undo it if it fails, and report files changed and in conflict."""
    import copier

    git_dir = Path(
        git.git("rev-parse", "--path-format=absolute", "--git-common-dir", cwd=project.path)
    )
    with _undone_on_error(project.path, git_dir), copier_errors(project.src_path, ref):
        copier.run_update(
            project.path,
            data=data,
            vcs_ref=ref,
            defaults=options.defaults,
            overwrite=True,
            skip_answered=True,
            conflict=options.conflict,
            quiet=True,
            unsafe=options.trust,
        )
    changes, conflicts = _changes(project.path, options.conflict)
    deleted = [change.path for change in changes if change.code == "D"]
    kept = _keep_edited(project, deleted) if deleted else []
    changes = [change for change in changes if change.path not in kept]
    after = project_.load(project.path)
    if conflicts or kept:
        outcome = Outcome.CONFLICTS
    elif changes:
        outcome = Outcome.UPDATED
    else:
        outcome = Outcome.UP_TO_DATE
    verification = None
    if options.verify and outcome is not Outcome.CONFLICTS:
        verification = verify(project.path)
    return UpdateResult(
        project.path,
        outcome,
        project.commit,
        after.commit,
        changes=tuple(changes),
        conflicts=tuple(conflicts),
        kept=tuple(kept),
        verification=verification,
    )


def _keep_edited(project: Project, deleted: list[str]) -> list[str]:
    """Put back deleted files the user had edited, so the update never drops their work.

    Copier deletes a file the new version (or new answers) no longer renders, even when the
    user changed it. A file whose committed content differs from the old version's rendering
    holds such changes: it is restored from HEAD and reported for the user to decide.
    """
    suspects = [name for name in deleted if not _only_generated(project.path, name)]
    if not suspects:
        return []
    try:
        with project_.fresh_rendering(project) as rendered:
            edited = [
                name
                for name in suspects
                if not (rendered / name).is_file()
                or git.committed(project.path, name) != (rendered / name).read_bytes()
            ]
    except ScaffoldError:  # cannot tell edited from untouched: keep them all
        edited = suspects
    if edited:
        git.git("checkout", "HEAD", "--", *edited, cwd=project.path)
    return edited


def _changes(path: Path, conflict: str) -> tuple[list[FileChange], list[str]]:
    """Files the update changed, and files with conflicts left to resolve.

    Copier records inline conflicts as unmerged in git's index; with ``rej`` it leaves a
    ``FILE.rej`` next to each file whose changes did not apply.
    """
    status = git.status(path)
    rejected = {name for code, name in status if code == "??" and name.endswith(".rej")}
    if conflict == "rej":  # a .rej file may be git-ignored; Copier's own check looks there too
        ignored = git.git(
            "ls-files", "--others", "--ignored", "--exclude-standard", "--", "*.rej", cwd=path
        )
        rejected |= set(ignored.splitlines())
    conflicts = {name.removesuffix(".rej") for name in rejected}
    changes = []
    for code, name in status:
        if name in rejected:
            continue
        if code in git.UNMERGED:
            conflicts.add(name)
        if name in conflicts:
            changes.append(FileChange("U", name))
        else:
            changes.append(FileChange(CODES.get(code.strip(), "M"), name))
    listed = {change.path for change in changes}
    changes += [FileChange("U", name) for name in sorted(conflicts - listed)]
    return changes, sorted(conflicts)


@contextmanager
def _undone_on_error(path: Path, git_dir: Path) -> Iterator[None]:
    """Put the project back as it was committed if the update does not finish.

    The tree was clean before (untracked files included), so this discards only what Copier
    wrote; git-ignored files such as data/ are never touched. A template that wrote into git's
    hooks or config (Copier keeps rendered paths inside the project, not out of ``.git/``) is
    undone first and refused, before git runs again here.
    """
    control = _control_files(git_dir)
    try:
        yield
        planted = _restore_control_files(git_dir, control)
        if planted:
            raise BadInputError(
                f"The new template version writes {planted[0]} into git's own folder, where it "
                "would run as a hook or setting; scaffold refused the update and undid it."
            )
    except BaseException as error:
        _restore_control_files(git_dir, control)
        try:
            git.git("reset", "--quiet", "--", ".", cwd=path)
            git.git("checkout", "--quiet", "--", ".", cwd=path)
            git.git("clean", "-d", "--force", "--quiet", "--", ".", cwd=path)
        except ScaffoldError as undo_error:
            raise ScaffoldError(
                f"The update stopped ({error or type(error).__name__}) and undoing it failed "
                f"({undo_error}); put the project back as last committed with: "
                f"{restore_command(path)}"
            ) from error
        raise


def restore_command(path: Path) -> str:
    """One shell line that returns the project at ``path`` to its last commit.

    The same three git commands the undo runs: they touch neither ignored files (data/, logs/)
    nor the rest of a larger repository the project may sit in.
    """
    git_c = f"git -C {shlex.quote(str(path))}"
    return f"{git_c} reset --quiet -- . && {git_c} checkout -- . && {git_c} clean -d --force -- ."


def _control_files(git_dir: Path) -> dict[Path, bytes]:
    """The contents of the files in ``git_dir`` that make git run commands: hooks and config."""
    files = [git_dir / "config", *(git_dir / "hooks").rglob("*")]
    return {file: file.read_bytes() for file in files if file.is_file()}


def _restore_control_files(git_dir: Path, before: Mapping[Path, bytes]) -> list[str]:
    """Undo changes to git's hooks and config since ``before``; name the files that changed."""
    after = _control_files(git_dir)
    changed = sorted(
        str(file.relative_to(git_dir.parent))
        for file in {*before, *after}
        if before.get(file) != after.get(file)
    )
    for file in after.keys() - before.keys():
        file.unlink()
    for file, content in before.items():
        if after.get(file) != content:
            file.write_bytes(content)
    return changed


def _only_generated(path: Path, name: str) -> bool:
    """Whether the only commit that ever touched ``name`` is ``scaffold new``'s first commit.

    Such a file holds the template's output and no user edits, so it needs no comparison with
    a fresh rendering (which costs as much as a third of the update).
    """
    log = git.git("log", "--format=%P%x09%s", "--", name, cwd=path).splitlines()
    return len(log) == 1 and log[0].startswith("\t") and log[0].endswith(FIRST_COMMIT_SUFFIX)


def _recorded_commit(path: Path) -> str | None:
    try:
        return project_.load(path).commit
    except ScaffoldError:
        return None
