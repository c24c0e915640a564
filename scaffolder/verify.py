"""``scaffold verify``: run a generated project's own training smoke tests and time them.

The checks are the project's tests, run by its interpreter in a subprocess, so what passes here
is exactly what its CI runs: the one-step CPU test, the ``gpu``-marked test in the recorded
precision and the ``ddp``-marked two-process CPU test.
"""

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scaffolder import project as project_
from scaffolder.errors import ScaffoldError

OUTPUT_TAIL = 3000  # characters of a failed check's output worth showing
# Short tracebacks, no captured output and no warnings summary: the tail shown on failure
# holds the error.
PYTEST_FLAGS = ("--tb=short", "--show-capture=no", "--disable-warnings")
TIMEOUT_S = 900  # per check: far above a one-step run, short of a hung one


@dataclass(frozen=True)
class VerifyOptions:
    """Which checks ``scaffold verify`` runs, and with which interpreter."""

    project: Path
    gpu: bool = False
    ddp: bool = False
    python: Path | None = None


@dataclass(frozen=True)
class Check:
    """One check's outcome."""

    name: str
    passed: bool
    seconds: float
    detail: str


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of every check that ran, in order."""

    project: Path
    package_name: str
    precision: str
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(check.passed for check in self.checks)


def project_python(project: Path, python: Path | None) -> Path:
    """The interpreter to test with: the given one, the project's .venv, or this one."""
    if python is not None:
        return python
    venv_python = project / ".venv" / "bin" / "python"
    return venv_python if venv_python.is_file() else Path(sys.executable)


def verify(options: VerifyOptions) -> VerifyResult:
    """Run the CPU smoke test and, when asked, the GPU and DDP tests of a generated project."""
    loaded = project_.load(options.project)
    project, answers = loaded.path, loaded.answers
    python = project_python(project, options.python)
    env = project_.package_env(project)

    def pytest(name: str, *args: str) -> Check:
        command = [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *PYTEST_FLAGS,
            *args,
        ]
        start = time.perf_counter()
        try:
            result = subprocess.run(
                command, cwd=project, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            return Check(name, False, time.perf_counter() - start, f"ran over {TIMEOUT_S} s")
        seconds = time.perf_counter() - start
        summary = (result.stdout.strip().splitlines() or ["no output"])[-1]
        # A run where the test was skipped (e.g. no GPU) or not collected has not verified it.
        passed = result.returncode == 0 and " passed" in summary and "skipped" not in summary
        detail = summary if passed else (result.stdout + result.stderr)[-OUTPUT_TAIL:]
        return Check(name, passed, seconds, detail)

    if options.gpu:
        require_cuda(python, env)
    checks = [pytest("CPU: one training step", "tests/test_train.py", "-k", "cpu")]
    if options.gpu:
        checks.append(pytest(f"GPU: one step in {answers.get('precision')}", "-m", "gpu"))
    if options.ddp:
        checks.append(pytest("DDP: two CPU processes, two steps", "-m", "ddp"))
    return VerifyResult(project, answers["package_name"], answers["precision"], tuple(checks))


def require_cuda(python: Path, env: dict[str, str]) -> None:
    """Refuse ``--gpu`` up front, in one sentence, where the interpreter sees no CUDA device."""
    probe = subprocess.run(
        [str(python), "-c", "import torch; print(torch.cuda.is_available())"],
        env=env,
        capture_output=True,
        text=True,
    )
    if probe.stdout.strip() != "True":
        raise ScaffoldError(
            f"--gpu needs a CUDA GPU, but torch in {python} sees none "
            "(torch.cuda.is_available() is False); run it on a machine with an NVIDIA GPU "
            "and a CUDA build of torch."
        )
