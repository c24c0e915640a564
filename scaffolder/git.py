"""The few git operations scaffold needs, run through the git command."""

import shutil
import subprocess
from pathlib import Path

from scaffolder.errors import ScaffoldError

FALLBACK_IDENTITY = {"user.name": "scaffold", "user.email": "scaffold@localhost"}
# Status codes of paths git has recorded as unmerged (a conflict left to resolve).
UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}


class GitError(ScaffoldError):
    """A git command failed; ``reason`` is git's last line of output."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def git(*args: str, cwd: Path) -> str:
    """Run git and return its standard output; raise GitError with git's message on failure."""
    # Only trailing whitespace: porcelain output starts with a significant space.
    return git_bytes(*args, cwd=cwd).decode(errors="surrogateescape").rstrip()


def git_bytes(*args: str, cwd: Path, input: bytes | None = None) -> bytes:
    """Run git with ``input`` on its standard input; return its standard output unchanged."""
    if shutil.which("git") is None:
        raise ScaffoldError("git is not installed or not on PATH; install git and try again.")
    result = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    if result.returncode != 0:
        command = next(arg for arg in args if not arg.startswith("-") and "=" not in arg)
        lines = (result.stderr or result.stdout).decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else "no message"
        raise GitError(f"git {command} failed in {cwd}: {reason}", reason)
    return result.stdout


def is_repository(path: Path) -> bool:
    """Whether ``path`` lies inside a git work tree."""
    result = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"], cwd=path, capture_output=True, text=True
    )
    return result.returncode == 0 and result.stdout.strip() == "true"


def status(path: Path) -> list[tuple[str, str]]:
    """``(code, path)`` for each changed, untracked or unmerged file below ``path``.

    Codes are git's two-letter porcelain codes (`` M``, ``??``, ``UU``, ...); paths are relative
    to ``path``, unquoted, and untracked folders are listed file by file.
    """
    output = git(
        "-c",
        "core.quotePath=false",
        "status",
        "--porcelain",
        "-z",
        "--untracked-files=all",
        "--",
        ".",
        cwd=path,
    )
    prefix = git("rev-parse", "--show-prefix", cwd=path)
    entries = iter(output.split("\0"))
    changes = []
    for entry in entries:
        if not entry:
            continue
        code, name = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # the rename's source path follows
        changes.append((code, name.removeprefix(prefix)))
    return changes


def committed(path: Path, name: str) -> bytes | None:
    """The bytes of file ``name`` (relative to ``path``) at HEAD, or None if HEAD lacks it."""
    result = subprocess.run(["git", "show", f"HEAD:./{name}"], cwd=path, capture_output=True)
    return result.stdout if result.returncode == 0 else None


def missing_identity(cwd: Path) -> list[str]:
    """``-c key=value`` options for the parts of the committer identity git does not know."""
    options = []
    for key, fallback in FALLBACK_IDENTITY.items():
        known = subprocess.run(["git", "config", key], cwd=cwd, capture_output=True)
        if known.returncode != 0:
            options += ["-c", f"{key}={fallback}"]
    return options


def init_and_commit(path: Path, message: str) -> str:
    """Make ``path`` a git repository with everything in one first commit; return its hash.

    Where git knows no committer, the commit is made as "scaffold <scaffold@localhost>", so
    that a fresh machine or a CI runner still gets a project that can be updated later.
    """
    git("init", "--quiet", "--initial-branch=main", cwd=path)
    git("add", "--all", cwd=path)
    git(*missing_identity(path), "commit", "--quiet", "-m", message, cwd=path)
    return git("rev-parse", "--short", "HEAD", cwd=path)
