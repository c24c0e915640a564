"""The few git operations scaffold needs, run through the git command."""

import shutil
import subprocess
from pathlib import Path

from scaffolder.errors import ScaffoldError

FALLBACK_IDENTITY = ("-c", "user.name=scaffold", "-c", "user.email=scaffold@localhost")


def git(*args: str, cwd: Path) -> str:
    """Run git and return its standard output; raise ScaffoldError with git's message on failure."""
    if shutil.which("git") is None:
        raise ScaffoldError("git is not installed or not on PATH; install git and try again.")
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise ScaffoldError(f"git {args[0]} failed in {cwd}: {message[-1] if message else ''}")
    return result.stdout.strip()


def has_identity(cwd: Path) -> bool:
    """Whether git knows who commits (user.name and user.email are set)."""
    return all(
        subprocess.run(["git", "config", key], cwd=cwd, capture_output=True).returncode == 0
        for key in ("user.name", "user.email")
    )


def init_and_commit(path: Path, message: str) -> str:
    """Make ``path`` a git repository with everything in one first commit; return its hash.

    Without a configured identity the commit is made as "scaffold <scaffold@localhost>", so
    that a fresh machine or a CI runner still gets a project that can be updated later.
    """
    git("init", "--quiet", "--initial-branch=main", cwd=path)
    git("add", "--all", cwd=path)
    identity = () if has_identity(path) else FALLBACK_IDENTITY
    git(*identity, "commit", "--quiet", "-m", message, cwd=path)
    return git("rev-parse", "--short", "HEAD", cwd=path)
