"""Hyperparameter sweeps in the default project and in one logging to MLflow, through their
own sweep tests.

Each project's tests/test_sweep.py is deselected by its default ``pytest`` run (a minute of
short trainings); here it runs with ``-m sweep``: three trials and the best config trained
with ``fit``, two workers sharing one SQLite study, a worker killed mid-trial, a trial config
``fit`` refuses, and Ctrl-C at several moments of a trial. The MLflow project's workers also
share one new ``mlflow.db``.
"""

import sys
from pathlib import Path

import pytest

from tests.helpers import render, run


@pytest.mark.slow
@pytest.mark.parametrize("logger", ["csv", "mlflow"])
def test_the_projects_sweep_tests_pass(tmp_path: Path, logger: str) -> None:
    project = render(tmp_path / "project", task="classification", logger=logger, ci="none")
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "sweep"],
        cwd=project,
        PYTHONPATH=str(project / "src"),
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "6 passed" in result.stdout, result.stdout[-2000:]
