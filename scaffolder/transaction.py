"""An update computed away from the project, then applied to it in one short, journalled step.

Copier's update writes into the folder it updates, so an update cut short leaves a mixture of
old and new files there. Here Copier works in a scratch clone of the project's HEAD instead,
inside the project's git folder (``.git/scaffold-update/``), with its temporary folders there
too. The project's own files are touched only by ``Workspace.apply``:

1. the journal (``journal.json``: every file to move aside, delete or write, with the content
   hashes before and after) is written and renamed into place: the commit point;
2. user files in the way are moved aside (``--backup``), old files deleted, and new files
   renamed in from the scratch clone (same file system, so each rename is atomic);
3. conflicts are recorded in git's index, and the scratch area is removed.

Ctrl-C, SIGTERM and SIGHUP are held back during step 2-3 and act once it is done. Before the
journal exists nothing in the project has changed, so any interruption leaves it as committed.
Only SIGKILL (or a power cut) can stop step 2-3 half-way: the next ``scaffold update`` finds the
journal and finishes it (``recover``), after checking that every file listed is still either
as before or as after; what a stale area holds otherwise (a killed run's scratch clone and
Copier's temporary folders) is deleted then.
"""

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scaffolder import git
from scaffolder.errors import BadInputError, ScaffoldError
from scaffolder.signals import uninterruptible

AREA = "scaffold-update"
JOURNAL = "journal.json"
OWNER = "owner"
# git's porcelain codes, as the one-letter codes scaffold reports.
CODES = {"A": "A", "D": "D", "M": "M", "T": "M"}


@dataclass(frozen=True)
class Change:
    """One path the update changes: ``A`` added, ``M`` modified, ``D`` deleted.

    ``before`` and ``after`` are content fingerprints (None where there is no file), which let
    a later run tell a finished step from one still to do.
    """

    code: str
    path: str
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Plan:
    """Everything the update does to the project, computed in the scratch clone."""

    changes: tuple[Change, ...]
    conflicts: tuple[str, ...]
    index_info: str = ""  # `git update-index --index-info` lines for unmerged paths
    backups: tuple[tuple[str, str], ...] = ()  # (path, where it is moved aside)
    report: dict[str, Any] = field(default_factory=dict)  # what the caller reports afterwards


def _letter(code: str, target: Path) -> str:
    """The one-letter change for git's two-letter porcelain code of a path in the scratch."""
    if code in ("??", "!!"):
        return "A"
    if code in git.UNMERGED:
        return "M" if os.path.lexists(target) else "A"
    return CODES.get(code[1] if code[1] != " " else code[0], "M")


def fingerprint(path: Path) -> str | None:
    """A content hash of a file or symlink (with its executable bit); None if absent."""
    if path.is_symlink():
        return "link:" + hashlib.sha256(os.fsencode(os.readlink(path))).hexdigest()
    if not path.is_file():
        return "folder" if path.is_dir() else None
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    executable = "x" if os.access(path, os.X_OK) else "-"
    return f"{executable}:{digest.hexdigest()}"


class Workspace:
    """The scratch area of one update: a lock, a clone of HEAD, Copier's temporary folders.

    Entering takes the lock (refusing while another live process holds it) and makes the
    clone; leaving removes the area, whatever happened, unless a journal is left to finish.
    """

    def __init__(self, project: Path) -> None:
        self.project = project
        self.top = Path(git.git("rev-parse", "--show-toplevel", cwd=project))
        self.prefix = git.git("rev-parse", "--show-prefix", cwd=project)
        self.area = Path(git.git("rev-parse", "--absolute-git-dir", cwd=project)) / AREA
        self.clone_top = self.area / "clone"
        self.scratch = self.clone_top / self.prefix
        self._tempdir: str | None = None

    def __enter__(self) -> "Workspace":
        try:
            lock(self.area)
            (self.area / "tmp").mkdir()
            self._tempdir, tempfile.tempdir = tempfile.tempdir, str(self.area / "tmp")
            self._clone()
        except BaseException as error:
            if _owner(self.area) == os.getpid():  # taken, if only just before a signal came
                self.__exit__(type(error))
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None = None, *exc: object) -> None:
        with uninterruptible():  # a half-removed area would outlive this run
            if tempfile.tempdir == str(self.area / "tmp"):
                tempfile.tempdir = self._tempdir
            if kind is not None:  # stopped mid-way: a git that Copier started may still write
                wait_for_children()
            if not (self.area / JOURNAL).exists():
                shutil.rmtree(self.area, ignore_errors=True)

    def _clone(self) -> None:
        head = git.git("rev-parse", "--verify", "HEAD", cwd=self.top)
        git.git(
            "clone",
            "--quiet",
            "--shared",
            "--no-checkout",
            "--",
            str(self.top),
            str(self.clone_top),
            cwd=self.area,
        )
        if self.prefix:  # a project inside a larger repository: check out only its folder
            git.git("sparse-checkout", "set", "--cone", "--", self.prefix, cwd=self.clone_top)
        quiet = ("-c", f"core.hooksPath={os.devnull}", "-c", "advice.detachedHead=false")
        git.git(*quiet, "checkout", "--quiet", "--detach", head, cwd=self.clone_top)

    def plan(self, conflict_style: str) -> Plan:
        """What Copier changed in the scratch clone, relative to HEAD."""
        output = git.git(
            "-c",
            "core.quotePath=false",
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignored=traditional",
            "--no-renames",
            "--",
            ".",
            cwd=self.scratch,
        )
        changes, unmerged = [], set()
        for entry in filter(None, output.split("\0")):
            code, name = entry[:2], entry[3:].removeprefix(self.prefix)
            if name.endswith("/"):
                raise BadInputError(
                    f"The new template version writes {name}.git, a git repository inside the "
                    "project; scaffold refused the update and changed nothing."
                )
            if code in git.UNMERGED:
                unmerged.add(name)
            changes.append(self._change(_letter(code, self.project / name), name))
        conflicts = set(unmerged)
        if conflict_style == "rej":
            conflicts |= {c.path.removesuffix(".rej") for c in changes if c.path.endswith(".rej")}
        return Plan(
            tuple(sorted(changes, key=lambda change: change.path)),
            tuple(sorted(conflicts)),
            self._unmerged_index_info() if unmerged else "",
        )

    def _change(self, code: str, name: str) -> Change:
        before = fingerprint(self.project / name) if code != "A" else None
        after = fingerprint(self.scratch / name) if code != "D" else None
        return Change(code, name, before, after)

    def _unmerged_index_info(self) -> str:
        """Index lines that mark the unmerged paths as such in the project's own index.

        Copier records a conflict's three versions as stages 1-3; their blobs live in the
        scratch clone, so they are copied into the project's object store (unreferenced
        objects there change no file and are pruned by git's garbage collection if unused).
        """
        listing = git.git("ls-files", "--unmerged", "--full-name", "-z", cwd=self.scratch)
        lines, seen = [], set()
        for entry in filter(None, listing.split("\0")):
            meta, path = entry.split("\t", 1)
            mode, sha, stage = meta.split()
            if path not in seen:
                seen.add(path)
                lines.append(f"0 {'0' * 40}\t{path}")
            blob = git.git_bytes("cat-file", "blob", sha, cwd=self.clone_top)
            stored = git.git_bytes("hash-object", "-w", "--stdin", cwd=self.top, input=blob)
            assert stored.decode().strip() == sha, "git stored a blob under another hash"
            lines.append(f"{mode} {sha} {stage}\t{path}")
        return "\n".join(lines) + "\n"

    def restore(self, paths: Sequence[str]) -> None:
        """Put files back in the scratch clone as HEAD has them (the update then keeps them)."""
        if paths:
            git.git("checkout", "HEAD", "--", *paths, cwd=self.scratch)

    def collisions(self, plan: Plan) -> list[str]:
        """Paths the update would write where the project has a file git does not track.

        Such a file (git-ignored, like a ``.env`` or ``.vscode/settings.json``) cannot be
        restored by git once overwritten. A symlink or file where the update needs a folder is
        in the way too: writing through a link would leave the project.
        """
        found = []
        for change in plan.changes:
            if change.code != "A":
                continue
            target = self.project / change.path
            parents = list(Path(change.path).parents)[:-1][::-1]
            blocked = next(
                (
                    parent.as_posix()
                    for parent in parents
                    if (self.project / parent).is_symlink()
                    or (
                        os.path.lexists(self.project / parent)
                        and not (self.project / parent).is_dir()
                    )
                ),
                None,
            )
            if blocked:
                found.append(blocked)
            elif os.path.lexists(target):
                found.append(change.path)
        return sorted(set(found))

    def diff(self) -> str:
        """A unified diff of the whole update against HEAD, new and deleted files included."""
        git.git("add", "--all", "--force", "--", ".", cwd=self.scratch)
        return git.git(
            "diff",
            "--cached",
            "--no-color",
            "--no-ext-diff",
            "--relative",
            "HEAD",
            "--",
            ".",
            cwd=self.scratch,
        )

    def apply(self, plan: Plan) -> None:
        """Apply the plan to the project: write the journal, then make every change.

        Signals that stop scaffold are held until the last change is made; one that arrived
        meanwhile is raised then, as ``Interrupted``.
        """
        with uninterruptible():
            journal = self.area / JOURNAL
            write_journal(journal, Journal(self.project, self.top, self.scratch, plan))
            try:
                finish(self.area, load_journal(journal))
            except (OSError, ScaffoldError) as error:
                undo(self.area, load_journal(journal), error)


def wait_for_children(seconds: float = 5.0) -> None:
    """Wait (a while) for this process's child processes to end.

    An interruption stops scaffold in the middle of whatever Copier was doing; a ``git clone``
    it started may still be writing into the scratch area, which could then not be removed.
    """
    if not hasattr(os, "WNOHANG"):
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # none left
        if pid == 0:
            time.sleep(0.02)


# How long a dead run's area may still be written into by a git command it had started.
ORPHAN_SECONDS = 10.0
QUIET_SECONDS = 0.3  # how long a removed stale area must stay gone


def lock(area: Path) -> None:
    """Create ``area`` for this process, or refuse while a live process holds it.

    The folder appears at once with its owner inside (renamed from a private folder), so a
    second process never sees it without one. A folder left by a dead process is stale: its
    journal, if any, is finished by ``recover`` first, and the rest is removed here.
    """
    private = Path(tempfile.mkdtemp(prefix=f"{AREA}-", dir=area.parent))
    (private / OWNER).write_text(str(os.getpid()))
    deadline = time.monotonic() + ORPHAN_SECONDS
    while True:
        try:
            os.rename(private, area)
            return
        except OSError:
            owner = _owner(area)
            if _alive(owner) or (area / JOURNAL).exists() or not _removed(area, deadline):
                break
    shutil.rmtree(private, ignore_errors=True)
    if _alive(owner):
        raise BadInputError(
            f"Another scaffold update (process {owner}) is working on this project; wait for "
            f"it to finish, or if no such process runs, delete {area}."
        )
    if (area / JOURNAL).exists():
        raise BadInputError(
            f"A stopped scaffold update left its changes half-applied in {area}; run scaffold "
            "update again, and it finishes them."
        )
    raise _still_written(area)


def _removed(area: Path, deadline: float) -> bool:
    """Remove a dead run's ``area`` until it stays gone; False if still written at ``deadline``.

    A SIGKILL spares the git commands the dead run had started, and they may go on writing
    into its area for a moment, recreating what was removed, even after a pause off the CPU.
    """
    while time.monotonic() <= deadline:
        shutil.rmtree(area, ignore_errors=True)
        time.sleep(QUIET_SECONDS)
        if not area.exists():
            return True
    return False


def _still_written(area: Path) -> BadInputError:
    return BadInputError(
        f"A stopped scaffold update left {area}, and something still writes into it; wait "
        "for that to end and run scaffold again, or delete the folder."
    )


def _owner(area: Path) -> int | None:
    try:
        return int((area / OWNER).read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int | None) -> bool:
    if pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(project: Path) -> dict[str, Any] | None:
    """Clear what a killed update left in the project's git folder; finish a journalled one.

    Returns the finished update's report (see ``Plan.report``) when there was one to finish.
    """
    area = Path(git.git("rev-parse", "--absolute-git-dir", cwd=project)) / AREA
    for leftover in area.parent.glob(f"{AREA}-*"):  # a private folder never renamed
        if not _alive(_owner(leftover)):
            shutil.rmtree(leftover, ignore_errors=True)
    if not area.exists():
        return None
    if _alive(_owner(area)):
        raise BadInputError(
            f"Another scaffold update (process {_owner(area)}) is working on this project; "
            f"wait for it to finish, or if no such process runs, delete {area}."
        )
    journal = area / JOURNAL
    if not journal.exists():
        if not _removed(area, time.monotonic() + ORPHAN_SECONDS):
            raise _still_written(area)
        return None
    pending = load_journal(journal)
    try:
        with uninterruptible():
            finish(area, pending)
    except (OSError, ScaffoldError) as error:
        raise ScaffoldError(
            f"An update of this project was stopped while applying its changes, and scaffold "
            f"cannot finish it ({error}); check `git status`, and delete {area} to start afresh."
        ) from error
    return pending.plan.report


@dataclass(frozen=True)
class Journal:
    """What an update is about to do, and where: the plan, the project and the scratch clone."""

    project: Path
    top: Path
    scratch: Path
    plan: Plan


def write_journal(path: Path, journal: Journal) -> None:
    """Write the journal atomically: after the rename the update is bound to happen."""
    plan = journal.plan
    content = {
        "project": str(journal.project),
        "top": str(journal.top),
        "scratch": str(journal.scratch),
        "changes": [asdict(change) for change in plan.changes],
        "conflicts": list(plan.conflicts),
        "index_info": plan.index_info,
        "backups": [list(pair) for pair in plan.backups],
        "report": plan.report,
    }
    partial = path.with_suffix(".partial")
    with partial.open("w") as file:
        json.dump(content, file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)
    _fsync_folder(path.parent)


def load_journal(path: Path) -> Journal:
    """Read a journal written by ``write_journal``."""
    try:
        data = json.loads(path.read_text())
        plan = Plan(
            changes=tuple(Change(**change) for change in data["changes"]),
            conflicts=tuple(data["conflicts"]),
            index_info=data["index_info"],
            backups=tuple((a, b) for a, b in data["backups"]),
            report=data["report"],
        )
        return Journal(Path(data["project"]), Path(data["top"]), Path(data["scratch"]), plan)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ScaffoldError(
            f"The journal of an interrupted update, {path}, cannot be read ({error}); check the "
            f"project with `git status`, restore what looks half-updated with `git checkout`, "
            f"and delete {path.parent}."
        ) from error


def finish(area: Path, journal: Journal) -> None:
    """Make every change of a journal not made yet; safe to run again after a kill.

    Files in the way are moved aside first; then every path is checked to be as before or as
    after the update, so that a file changed meanwhile is never overwritten; then the changes
    are made.
    """
    project, plan = journal.project, journal.plan
    for path, aside in plan.backups:
        if os.path.lexists(project / path) and not os.path.lexists(project / aside):
            os.replace(project / path, project / aside)
    for change in plan.changes:
        if _state(project / change.path) not in (change.before, change.after):
            raise ScaffoldError(f"{change.path} was changed by something else meanwhile")
    for change in plan.changes:
        target = project / change.path
        if _state(target) == change.after:
            continue
        if change.code == "D":
            target.unlink()
            _remove_empty_parents(target.parent, project)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            _place(journal.scratch / change.path, target)
    if plan.index_info:
        git.git_bytes(
            "update-index", "--index-info", cwd=journal.top, input=plan.index_info.encode()
        )
    (area / JOURNAL).unlink()
    _fsync_folder(area)
    shutil.rmtree(area, ignore_errors=True)


def undo(area: Path, journal: Journal, error: Exception) -> None:
    """Put back what ``finish`` changed before it failed, then raise one sentence saying so.

    Only files in the state the update gave them are put back (from HEAD, which they matched
    before); moved-aside files return to their place.
    """
    project, plan = journal.project, journal.plan
    try:
        for change in plan.changes:
            target = project / change.path
            if change.before == change.after or _state(target) != change.after:
                continue
            if change.code == "A":
                target.unlink()
                _remove_empty_parents(target.parent, project)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                git.git("checkout", "HEAD", "--", change.path, cwd=project)
        for path, aside in plan.backups:
            if os.path.lexists(project / aside) and not os.path.lexists(project / path):
                os.replace(project / aside, project / path)
        (area / JOURNAL).unlink()
    except (OSError, ScaffoldError) as undo_error:
        raise ScaffoldError(
            f"The update could not be applied ({error}) nor undone ({undo_error}); run "
            "`scaffold update` again once the cause is fixed, and it finishes the update."
        ) from error
    shutil.rmtree(area, ignore_errors=True)
    raise ScaffoldError(
        f"The update could not be applied ({error}); the project was put back as last committed."
    ) from error


def _state(path: Path) -> str | None:
    """The fingerprint of whatever is at ``path`` now; None when nothing is."""
    return fingerprint(path) if os.path.lexists(path) else None


def _place(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` in one rename, or a copy and a rename across devices."""
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != 18:  # EXDEV: the git folder is on another file system
            raise
        staged = target.with_name(f".{target.name}.scaffold-partial")
        shutil.copy2(source, staged, follow_symlinks=False)
        os.replace(staged, target)


def _remove_empty_parents(folder: Path, project: Path) -> None:
    while folder != project and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
