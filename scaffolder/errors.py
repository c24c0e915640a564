"""One error root and the exit codes the CLI documents."""

from enum import IntEnum


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
