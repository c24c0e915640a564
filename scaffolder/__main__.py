"""The ``scaffold`` command (and ``python -m scaffolder``), stopped cleanly by signals.

The handlers are set before the CLI and its libraries are imported, so that Ctrl-C, SIGTERM or
SIGHUP at any moment ends scaffold through its own clean-up with one sentence, and exit code
130, 143 or 129. Ctrl-C raises ``Interrupted`` rather than KeyboardInterrupt, which Typer would
turn into a silent exit.
"""

import signal
import sys

from scaffolder.errors import Interrupted, raise_interrupted


def main() -> None:
    """Run the CLI; a signal that gets past its commands still exits 128 + its number."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), raise_interrupted)
    try:
        try:
            from scaffolder.cli import app

            app(prog_name="scaffold")
        finally:
            signal_handlers_done()
    except Interrupted as stop:
        finished = exit_code_chosen_before(stop)
        if finished is not None:  # the command had finished: its outcome stands
            sys.exit(finished)
        print(stop.message, file=sys.stderr)
        sys.exit(stop.exit_code)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(128 + signal.SIGINT)


def exit_code_chosen_before(stop: Interrupted) -> int | None:
    """The exit code the command was exiting with when the signal came, if it was exiting."""
    from click.exceptions import Exit

    error = stop.__context__
    while error is not None:
        if isinstance(error, Exit):
            return error.exit_code
        if isinstance(error, SystemExit) and (error.code is None or isinstance(error.code, int)):
            return error.code or 0
        error = error.__context__
    return None


def signal_handlers_done() -> None:
    """Ignore further signals: the command has finished and its exit code stands."""
    from scaffolder.signals import ignore

    ignore()


if __name__ == "__main__":
    main()
