"""Signals that stop scaffold: held back while a step must not be cut in two."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from scaffolder.errors import Interrupted

HELD = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def held() -> Iterator[list[int]]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block ends; yields the signals received.

    Only the main thread can set handlers; elsewhere the block runs unprotected.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {number: signal.signal(number, _recorder(received)) for number in HELD}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def uninterruptible() -> Iterator[None]:
    """Run the block whole; a signal received meanwhile then raises ``Interrupted``."""
    with held() as received:
        yield
    if received:
        raise Interrupted(received[0])


def ignore() -> None:
    """Ignore these signals from now on: the work is done and only the exit is left."""
    if threading.current_thread() is threading.main_thread():
        for number in HELD:
            signal.signal(number, signal.SIG_IGN)


def _recorder(received: list[int]):  # noqa: ANN202 (a signal handler)
    def record(number: int, frame: object) -> None:
        received.append(number)

    return record
