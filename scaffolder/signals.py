"""Signals that stop scaffold: held back while a step must not be cut in two."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scaffolder.errors import Interrupted, raise_interrupted

HELD = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def held() -> Iterator[list[int]]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block ends; yields the signals received.

    Only the main thread can set handlers; elsewhere the block runs unprotected.
    """
    received: list[int] = []
    with _handlers(_recorder(received)):
        yield received


@contextmanager
def raising() -> Iterator[None]:
    """Let the signals raise ``Interrupted`` during the block, even inside ``held``.

    A signal ``held`` received before the block raises at its start: it came first.
    """
    with _handlers(raise_interrupted) as previous:
        for handler in previous.values():
            if getattr(handler, "received", None):
                raise Interrupted(handler.received[0])
        yield


@contextmanager
def _handlers(handler: Any) -> Iterator[dict[int, Any]]:
    """Handle the signals with ``handler`` during the block; yields the handlers restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield {}
        return
    previous = {number: signal.signal(number, handler) for number in HELD}
    try:
        yield previous
    finally:
        for number, restored in previous.items():
            signal.signal(number, restored)


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

    record.received = received  # for ``raising``
    return record
