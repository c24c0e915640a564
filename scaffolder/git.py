"""The few git operations scaffold needs, run through the git command."""

import shutil
import subprocess
from pathlib import Path

from scaffolder.errors import ScaffoldError

FALLBACK_IDENTITY = {"user.name": "scaffold", "user.email": "scaffold@localhost"}


def git(*args: str, cwd: Path) -> str:
    """Run git and return its standard output; raise ScaffoldError with git's message on failure."""
    if shutil.which("git") is None:
        raise ScaffoldError("git is not installed or not on PATH; install git and try again.")
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        command = next(arg for arg in args if not arg.startswith("-") and "=" not in arg)
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise ScaffoldError(
            f"git {command} failed in {cwd}: {lines[-1] if lines else 'no message'}"
        )
    return result.stdout.strip()


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
