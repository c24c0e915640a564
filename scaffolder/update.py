"""``scaffold update`` and ``scaffold reconfigure``: Copier's update, made safe to interrupt.

Copier does the work (a three-way merge of the old rendering, the project and the new
rendering) in a scratch clone of the project (``transaction.Workspace``). This module picks
the release, refuses what cannot be done in one sentence, keeps edited files the release
drops, refuses to overwrite files git cannot restore, and then has the workspace apply the
result to the project in one short step, or only show it (``--dry-run``).
"""

import signal
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from scaffolder import answers as answers_
from scaffolder import git, gitguard, history, signals, template, transaction
from scaffolder import project as project_
from scaffolder import verify as verify_
from scaffolder.errors import BadInputError, ExitCode, Interrupted, ScaffoldError, copier_errors
from scaffolder.project import ANSWERS_FILE, Project


class Outcome(str, Enum):
    """How the update of one project ended."""

    UPDATED = "updated"
    UP_TO_DATE = "up to date"
    CONFLICTS = "conflicts"
    REFUSED = "refused"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    NOT_STARTED = "not started"  # a signal stopped the batch before this project
    SKIPPED = "skipped: not a project"


@dataclass(frozen=True)
class UpdateOptions:
    """How to update: target ref, conflict style, new questions, safety and preview switches."""

    to: str | None = None
    conflict: Literal["inline", "rej"] = "inline"
    defaults: bool = True
    verify: bool = False
    trust: bool = False
    backup: bool = False  # move untracked files in the update's way aside instead of refusing
    dry_run: bool = False


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
    """What happened to one project (or, with ``--dry-run``, would happen)."""

    project: Path
    outcome: Outcome
    from_version: str | None = None
    to_version: str | None = None
    changes: tuple[FileChange, ...] = ()
    conflicts: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    backups: tuple[tuple[str, str], ...] = ()
    verification: Verification | None = None
    message: str = ""
    warnings: tuple[str, ...] = ()
    diff: str | None = None  # only for --dry-run
    recovered: bool = False  # finished what a killed run left half-applied
    signal: int | None = None  # the signal that interrupted it

    @property
    def exit_code(self) -> int:
        """The documented exit code for this result alone."""
        if self.signal is not None:
            return 128 + self.signal
        if self.outcome is Outcome.CONFLICTS:
            return ExitCode.CONFLICTS
        if self.outcome is Outcome.REFUSED:
            return ExitCode.BAD_INPUT
        if self.outcome is Outcome.FAILED or (self.verification and not self.verification.passed):
            return ExitCode.ERROR
        return ExitCode.OK


@dataclass
class _Watch:
    """What an interruption's message needs to know: whether the tree was checked clean."""

    clean: bool = False


def run(path: Path, options: UpdateOptions) -> UpdateResult:
    """Update one project to ``options.to`` (default: the template's latest release).

    Raises:
        BadInputError: The tree is dirty, ``path`` is not an updatable project, ``--to`` is
            older than the project's commit, or the update would overwrite untracked files.
        ScaffoldError: Copier or git failed; the project is left as it was.
        Interrupted: A signal stopped the update; ``applied`` says whether before or after
            its one step of changes.
    """
    if options.to is not None and not options.to.strip():
        raise BadInputError(
            "--to needs a tag, branch or commit of the template; leave it out to update to "
            "the latest release."
        )
    project = project_.load(path)
    with _interruptible(project) as watch:
        return _recover(project, watch) or _update(project, options, watch)


def _update(project: Project, options: UpdateOptions, watch: _Watch) -> UpdateResult:
    _check_updatable(project)
    watch.clean = True
    with history.TemplateHistory(project.src_path, project) as releases:
        mine = releases.recorded(project)
        target = releases.latest if options.to is None else releases.release(options.to.strip())
        if mine == target.sha or (options.to is None and releases.is_ancestor(target.sha, mine)):
            return UpdateResult(project.path, Outcome.UP_TO_DATE, project.commit, project.commit)
        if releases.is_ancestor(target.sha, mine):
            raise BadInputError(
                f"{project.name} is on template commit {project.commit}, newer than "
                f"{target.label}; Copier does not downgrade projects."
            )
    return _apply(project, {}, target.ref, options)


def reconfigure(path: Path, changes: Mapping[str, Any], options: UpdateOptions) -> UpdateResult:
    """Change recorded answers at the project's current template commit, keeping user edits."""
    if not changes:
        raise BadInputError(
            "Name at least one answer to change as key=value, e.g. precision=bf16-mixed."
        )
    project = project_.load(path)
    with _interruptible(project) as watch:
        return _recover(project, watch) or _reconfigure(project, changes, options, watch)


def _reconfigure(
    project: Project, changes: Mapping[str, Any], options: UpdateOptions, watch: _Watch
) -> UpdateResult:
    from copier import VcsRef

    _check_updatable(project)
    watch.clean = True
    _check_questions(project, changes)
    return _apply(project, dict(changes), VcsRef.CURRENT, options)


def run_many(paths: Sequence[Path], options: UpdateOptions, search: bool) -> list[UpdateResult]:
    """Update each project in turn, recording refusals and failures instead of stopping.

    With ``search``, each path is a folder holding projects (its direct subfolders), or a
    project itself; its other subfolders are listed as skipped. A signal stops the batch: the
    project it stopped is recorded as interrupted, and the ones after it as not started.
    """
    if search:
        found = find_projects(paths)
    else:
        found = [(path.resolve(), True) for path in paths]
    results = []
    for index, (path, is_project) in enumerate(found):
        if not is_project:
            results.append(UpdateResult(path, Outcome.SKIPPED))
            continue
        try:
            results.append(run(path, options))
        except ScaffoldError as error:
            outcome = Outcome.REFUSED if isinstance(error, BadInputError) else Outcome.FAILED
            results.append(UpdateResult(path, outcome, _recorded_commit(path), message=str(error)))
        except Interrupted as stop:
            commit = _recorded_commit(path)
            results.append(
                UpdateResult(
                    path, Outcome.INTERRUPTED, commit, message=stop.message, signal=stop.signum
                )
            )
            for later, later_is_project in found[index + 1 :]:
                outcome = Outcome.NOT_STARTED if later_is_project else Outcome.SKIPPED
                results.append(UpdateResult(later, outcome))
            break
    return results


def batch_exit_code(results: Sequence[UpdateResult]) -> int:
    """One exit code for many projects: any failure 1, else any refusal 2, else conflicts 3.

    A batch a signal stopped exits 128 + the signal, as one project does.
    """
    for result in results:
        if result.signal is not None:
            return result.exit_code
    codes = {result.exit_code for result in results}
    for code in (ExitCode.ERROR, ExitCode.BAD_INPUT, ExitCode.CONFLICTS):
        if code in codes:
            return code
    return ExitCode.OK


def find_projects(folders: Sequence[Path]) -> list[tuple[Path, bool]]:
    """``(folder, is_project)`` for ``folders``: each itself if a project, else its subfolders.

    Hidden subfolders (``.git``, ``.venv``) are left out; other subfolders that are not
    projects are returned too, so that a report can say they were skipped.
    """
    found: list[tuple[Path, bool]] = []
    for folder in folders:
        folder = folder.resolve()
        if not folder.is_dir():
            raise BadInputError(f"{folder} is not a folder; pass folders that hold projects.")
        if (folder / ANSWERS_FILE).is_file():
            found.append((folder, True))
            continue
        inside = sorted(
            (child, (child / ANSWERS_FILE).is_file())
            for child in folder.iterdir()
            if child.is_dir() and not child.name.startswith(".")
        )
        if not any(is_project for _, is_project in inside):
            raise BadInputError(
                f"{folder} holds no generated projects (subfolders with {ANSWERS_FILE})."
            )
        found += inside
    return found


def verify(path: Path) -> Verification:
    """Run the project's one-step CPU training test, as ``scaffold verify`` does."""
    [check] = verify_.verify(verify_.VerifyOptions(path)).checks
    return Verification(check.passed, check.detail)


def _check_updatable(project: Project) -> None:
    """Refuse, in one sentence, a project that cannot be updated now."""
    if not project_.is_portable_source(project.src_path):
        raise BadInputError(
            f"{project.name} records the relative template path {project.src_path}, which Copier "
            f"would resolve against the working directory; set _src_path in {ANSWERS_FILE} to "
            "an absolute path or URL and commit."
        )
    try:
        git.git("rev-parse", "--verify", "HEAD", cwd=project.path)
        tracked = git.git("ls-files", "--", ANSWERS_FILE, cwd=project.path)
    except git.GitError:
        raise BadInputError(
            f"{project.path} is not a git repository with a commit; commit the project to git "
            "first, so the update can merge with your history."
        ) from None
    if not tracked:
        raise BadInputError(
            f"{project.name}'s {ANSWERS_FILE} is not committed; commit it first, so the update "
            "knows which template release the project came from."
        )
    dirty = [name for _, name in git.status(project.path)]
    if dirty:
        shown = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
        raise BadInputError(
            f"{project.path} has uncommitted changes ({shown}); commit or stash them first "
            "(`git stash --include-untracked`), so the update cannot mix with unsaved work."
        )


def _check_questions(project: Project, changes: Mapping[str, Any]) -> None:
    """Refuse answers to questions the project's own template release does not ask."""
    unknown = answers_.check(changes, template.questions(project.src_path))
    if unknown:
        raise BadInputError(
            f"The template asks no question {', '.join(unknown)}, so it cannot be reconfigured; "
            "`scaffold options` lists the questions."
        )
    with history.TemplateHistory(project.src_path, project) as releases:
        asked = releases.questions_at(releases.recorded(project))
    missing = sorted(set(changes) - asked) if asked is not None else []
    if missing:
        raise BadInputError(
            f"{project.name}'s template release {project.commit} does not ask "
            f"{', '.join(missing)}; a newer release does, so run `scaffold update` first."
        )


def _apply(
    project: Project, data: dict[str, Any], ref: Any, options: UpdateOptions
) -> UpdateResult:
    """Work the update out in a scratch clone, then apply it to the project (or only show it)."""
    with transaction.Workspace(project.path) as work:
        release = project_.BackgroundRendering(project, Path(tempfile.mkdtemp()) / project.name)
        try:
            result, plan = _work_out(work, release, project, data, ref, options)
        finally:
            release.stop()
        if options.dry_run:
            return result
        work.apply(replace(plan, backups=result.backups, report=_report(result)))
    if options.verify and result.outcome is not Outcome.CONFLICTS:
        result = replace(result, verification=verify(project.path))
    return result


def _work_out(
    work: transaction.Workspace,
    release: project_.BackgroundRendering,
    project: Project,
    data: dict[str, Any],
    ref: Any,
    options: UpdateOptions,
) -> tuple[UpdateResult, transaction.Plan]:
    """Run Copier's update in the scratch clone and decide what applying it means."""
    import copier

    with gitguard.guarded(work.scratch, project.src_path), copier_errors(project.src_path, ref):
        copier.run_update(
            work.scratch,
            data=data,
            vcs_ref=ref,
            defaults=options.defaults,
            overwrite=True,
            skip_answered=True,
            conflict=options.conflict,
            quiet=True,
            unsafe=options.trust,
        )
    plan = work.plan(options.conflict)
    deleted = [change.path for change in plan.changes if change.code == "D"]
    kept = _edited_among(deleted, project, release.result()) if deleted else []
    work.restore(kept)
    plan = replace(plan, changes=tuple(c for c in plan.changes if c.path not in kept))
    in_the_way = work.collisions(plan)
    refused = bool(in_the_way) and not options.backup
    if refused and not options.dry_run:
        raise BadInputError(_collision_message(project, in_the_way))
    after = project_.load(work.scratch)
    changes = _changes(plan)
    if refused:
        outcome = Outcome.REFUSED  # only a dry run gets here: it shows what would be refused
    elif plan.conflicts:
        outcome = Outcome.CONFLICTS
    else:
        outcome = Outcome.UPDATED if changes else Outcome.UP_TO_DATE
    warnings = _skipped_answers(data, after)
    result = UpdateResult(
        project.path,
        outcome,
        project.commit,
        after.commit,
        changes=changes,
        conflicts=plan.conflicts,
        kept=tuple(kept),
        backups=tuple((path, _aside(project.path, path)) for path in in_the_way)
        if options.backup
        else (),
        warnings=(*warnings, _collision_message(project, in_the_way)) if refused else warnings,
        diff=work.diff() if options.dry_run else None,
    )
    return result, plan


def _report(result: UpdateResult) -> dict[str, Any]:
    """What the journal keeps of a result, for a run that finishes a killed one to report."""
    return {
        "outcome": result.outcome.value,
        "from_version": result.from_version,
        "to_version": result.to_version,
        "changes": [[change.code, change.path] for change in result.changes],
        "conflicts": list(result.conflicts),
        "kept": list(result.kept),
        "backups": [list(pair) for pair in result.backups],
    }


def _changes(plan: transaction.Plan) -> tuple[FileChange, ...]:
    """The changes as scaffold reports them: conflicts as ``U``, ``.rej`` files left out."""
    rejected = {f"{name}.rej" for name in plan.conflicts}
    return tuple(
        FileChange("U" if change.path in plan.conflicts else change.code, change.path)
        for change in plan.changes
        if change.path not in rejected
    )


def _edited_among(deleted: list[str], project: Project, rendered: Path | None) -> list[str]:
    """The files among ``deleted`` whose committed content the user changed.

    Copier deletes a file the new release (or new answers) no longer renders, even when the
    user edited it. Only a comparison with a fresh rendering of the project's recorded release
    tells an edited file from an untouched one (an edit may even be amended into the first
    commit); without that rendering, every such file counts as edited and is kept.
    """
    if rendered is None:
        return list(deleted)
    return [
        name
        for name in deleted
        if not (rendered / name).is_file()
        or (project.path / name).read_bytes() != (rendered / name).read_bytes()
    ]


def _collision_message(project: Project, paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return (
        f"The update would overwrite files in {project.name} that git does not track ({shown}), "
        "and git could not bring them back; pass --backup to move them aside as FILE.orig, or "
        "delete them, then update again."
    )


def _aside(project: Path, path: str) -> str:
    """A free name to move ``path`` aside to: ``path.orig``, else ``path.orig.1``, ..."""
    candidate, number = f"{path}.orig", 0
    while (project / candidate).exists() or (project / candidate).is_symlink():
        number += 1
        candidate = f"{path}.orig.{number}"
    return candidate


def _skipped_answers(data: Mapping[str, Any], after: Project) -> tuple[str, ...]:
    skipped = [key for key in data if key not in after.answers]
    if not skipped:
        return ()
    return (
        f"Not recorded: {', '.join(skipped)}; the template does not ask that with the "
        "project's other answers (for example block, when the backbone is not blocks).",
    )


def _recover(project: Project, watch: _Watch) -> UpdateResult | None:
    """Finish an update a killed run left half-applied; report it as this run's result."""
    if not git.is_repository(project.path):
        return None
    watch.clean = True  # what differs from HEAD is that update's: it is being finished
    report = transaction.recover(project.path)
    if report is None:
        watch.clean = False
        return None
    return UpdateResult(
        project.path,
        Outcome(report["outcome"]),
        report["from_version"],
        report["to_version"],
        changes=tuple(FileChange(code, path) for code, path in report["changes"]),
        conflicts=tuple(report["conflicts"]),
        kept=tuple(report["kept"]),
        backups=tuple((a, b) for a, b in report["backups"]),
        recovered=True,
    )


@contextmanager
def _interruptible(project: Project) -> Iterator[_Watch]:
    """Turn Ctrl-C, SIGTERM and SIGHUP into one ``Interrupted`` that says what state is left.

    Once the tree has been checked clean, only the one apply step writes to it, so whether it
    has changes now tells a stop after the update was applied from one before it. An error that
    clean-up code raised while the interruption unwound (Copier's temporary folder, still being
    written by a git it started) counts as the interruption. The signals raise only inside
    the block: a command that holds them keeps a late one from garbling its report.
    """
    watch = _Watch()
    try:
        with signals.raising():
            yield watch
    except BaseException as error:
        stop = _interruption_in(error)
        if stop is None:
            raise
        try:
            applied = watch.clean and bool(git.status(project.path))
        except ScaffoldError:
            applied = False
        if applied:
            message = (
                f"Interrupted after the update was applied: {project.name} holds the whole "
                "update; review it with `git status` and `git diff`."
            )
        else:
            message = f"Interrupted: {project.name} was not changed; it is as last committed."
        raise Interrupted(stop, applied, message) from None


def _interruption_in(error: BaseException | None) -> int | None:
    """The signal behind ``error`` or the exceptions it interrupted, if one is."""
    while error is not None:
        if isinstance(error, Interrupted):
            return error.signum
        if isinstance(error, KeyboardInterrupt):
            return signal.SIGINT
        error = error.__context__
    return None


def _recorded_commit(path: Path) -> str | None:
    try:
        return project_.load(path).commit
    except ScaffoldError:
        return None
