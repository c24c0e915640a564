"""A generated project on disk: its recorded answers, template source and template commit."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scaffolder import answers as answers_
from scaffolder.errors import BadInputError, Interrupted, copier_errors
from scaffolder.signals import held, uninterruptible

ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class Project:
    """What ``.copier-answers.yml`` says about a generated project."""

    path: Path
    answers: dict[str, Any]
    src_path: str
    commit: str | None

    @property
    def name(self) -> str:
        """The folder name, as tables show it."""
        return self.path.name


def package_env(project: Path) -> dict[str, str]:
    """This process's environment with the project's ``src/`` first on PYTHONPATH.

    What was on PYTHONPATH stays after it, so that packages installed outside the interpreter's
    own site-packages (``pip install --target``) are still found by the project's commands.
    """
    pythonpath = os.pathsep.join(filter(None, [str(project / "src"), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": pythonpath}


def load(path: Path) -> Project:
    """Read the project at ``path``; refuse a folder that scaffold or Copier did not generate."""
    path = path.resolve()
    answers_file = path / ANSWERS_FILE
    if not answers_file.is_file():
        raise BadInputError(
            f"{path} is not a generated project: it has no {ANSWERS_FILE} (pass the project's "
            "root folder)."
        )
    try:
        recorded = yaml.safe_load(answers_file.read_text())
    except OSError as error:
        raise BadInputError(f"Cannot read {answers_file}: {error.strerror}.") from error
    except yaml.YAMLError as error:
        raise BadInputError(
            f"{answers_file} is not valid YAML{answers_.where(error)}; fix it, or restore it with "
            f"`git checkout -- {ANSWERS_FILE}`."
        ) from None
    if not isinstance(recorded, dict) or not recorded.get("_src_path"):
        raise BadInputError(
            f"{answers_file} records no template source (_src_path), so {path} cannot be "
            "compared with or updated from its template."
        )
    for key in ("_src_path", "_commit"):
        value = recorded.get(key)
        if value is not None and not isinstance(value, str):
            raise BadInputError(
                f"{answers_file} records {key}: {value}, which YAML reads as a "
                f"{type(value).__name__}, not text; quote it ({key}: '{value}') and commit."
            )
    return Project(
        path=path,
        answers={key: value for key, value in recorded.items() if not key.startswith("_")},
        src_path=recorded["_src_path"],
        commit=recorded.get("_commit"),
    )


def is_portable_source(source: str) -> bool:
    """Whether Copier finds ``source`` again from any working directory (URL or absolute path)."""
    return (
        "://" in source or source.startswith(("git@", "gh:", "gl:")) or Path(source).is_absolute()
    )


@contextmanager
def fresh_rendering(project: Project) -> Iterator[Path]:
    """A temporary folder with what the template renders from the project's answers at its commit.

    Comparing a project with it tells template files the user edited from untouched ones.
    """
    with tempfile.TemporaryDirectory(prefix="scaffold-render-") as tmp:
        rendered = Path(tmp) / project.name
        render_release(project.src_path, project.commit, project.answers, rendered)
        yield rendered


def render_release(source: str, commit: str | None, answers: dict[str, Any], dest: Path) -> None:
    """Render the template at ``commit`` with ``answers`` into ``dest``, as Copier did then."""
    import copier

    with copier_errors(source, commit):
        copier.run_copy(
            source, dest, data=answers, defaults=True, vcs_ref=commit, quiet=True, unsafe=False
        )


class BackgroundRendering:
    """``render_release`` in a separate process, started early and awaited only if needed.

    An update needs the project's recorded release rendered afresh only when the new release
    deletes files (to tell edited ones from untouched ones); rendering it beside Copier's own
    update, on another core, keeps the update as fast as Copier's alone.
    """

    def __init__(self, project: Project, dest: Path) -> None:
        import multiprocessing

        self.dest = dest
        context = multiprocessing.get_context("spawn")  # no fork: the CLI runs a spinner thread
        self._process = context.Process(
            target=_render_quietly,
            args=(project.src_path, project.commit, project.answers, dest, os.getpid()),
            daemon=True,
        )
        with held() as received:  # a process started but not recorded would run on unseen
            self._process.start()
        if received:
            self.stop()
            raise Interrupted(received[0])

    def result(self) -> Path | None:
        """The rendered folder once the process is done; None when it failed."""
        self._process.join()
        return self.dest if self._process.exitcode == 0 else None

    def stop(self) -> None:
        """End the process if it still runs (the update stopped, or did not need it)."""
        with uninterruptible():
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()


def _render_quietly(
    source: str, commit: str | None, answers: dict[str, Any], dest: Path, parent: int
) -> None:
    """The rendering process: it leaves signals to its parent and never outlives it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which ends this
    _exit_with(parent)
    # Second to Copier's own update, which the parent runs meanwhile: this has time to spare.
    os.nice(10)
    tempfile.tempdir = str(dest.parent)  # Copier's temporary folders go where the parent cleans
    render_release(source, commit, answers, dest)


def _exit_with(parent: int) -> None:
    """End this process as soon as ``parent`` is gone (killed, so its clean-up never ran)."""
    import ctypes
    import signal
    import sys
    import threading
    import time

    if sys.platform == "linux":  # the kernel kills this process with its parent
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.05)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
