"""One error root and the exit codes the CLI documents."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """Exit codes of the ``scaffold`` commands."""

    OK = 0
    ERROR = 1
    BAD_INPUT = 2
    CONFLICTS = 3


class ScaffoldError(Exception):
    """An error with a message ready for the user; the CLI prints it without a traceback."""

    exit_code = ExitCode.ERROR


class BadInputError(ScaffoldError):
    """The user's answers, files or arguments are wrong; the message says what would do."""

    exit_code = ExitCode.BAD_INPUT


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP stopped scaffold; the process exits with 128 + the signal.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` swallows it.
    ``applied`` tells an update stopped after its changes were all made from one stopped
    before it changed anything.
    """

    def __init__(self, signum: int, applied: bool = False, message: str = "Interrupted.") -> None:
        super().__init__(message)
        self.signum = signum
        self.applied = applied
        self.message = message

    @property
    def exit_code(self) -> int:
        """130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP, as shells report them."""
        return 128 + self.signum


def raise_interrupted(signum: int, frame: object = None) -> None:
    """A signal handler that stops scaffold with ``Interrupted``."""
    raise Interrupted(signum)


@contextmanager
def copier_errors(source: str, ref: Any = None) -> Iterator[None]:
    """Turn Copier's and git's exceptions while using ``source`` into one-sentence errors.

    Copier raises ``ValueError`` for answers that fail a validator or are not a choice,
    ``CopierError`` subclasses for its own checks and plumbum's ``ProcessExecutionError`` when
    git cannot fetch the template or the ref.
    """
    from copier.errors import CopierError, UnsafeTemplateError
    from plumbum import ProcessExecutionError

    try:
        yield
    except ValueError as error:
        raise BadInputError(" ".join(str(error).split()).rstrip(".") + ".") from error
    except UnsafeTemplateError as error:
        raise BadInputError(unsafe_template_message(source, error)) from error
    except CopierError as error:
        message = " ".join(str(error).split()).rstrip(".")
        raise ScaffoldError(f"Copier could not use the template {source}: {message}.") from error
    except ProcessExecutionError as error:
        lines = str(error.stderr).strip().splitlines()
        reason = lines[-1] if lines else f"exit code {error.retcode}"
        at = f" at {ref}" if isinstance(ref, str) else ""
        raise ScaffoldError(f"Cannot fetch the template {source}{at}: {reason}") from error


def unsafe_template_message(source: str, error: Exception) -> str:
    """Name the features for which Copier refused ``source`` and how to allow them.

    Copier's message lists them as ``feature(s): tasks, migrations``; scaffold names them as
    the template's copier.yml spells them.
    """
    found = re.search(r"features?: ([\w, ]+)", str(error))
    names = [f"_{name.strip()}" for name in found.group(1).split(",")] if found else []
    features = ", ".join(names) or "unsafe features"
    return (
        f"The template {source} uses {features}, which run code from the template on this "
        "machine; scaffold refuses it unless you pass --trust (only for templates you trust)."
    )
