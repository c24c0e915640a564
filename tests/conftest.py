"""Fixtures shared by the tests, built on tests/helpers.py (which test modules import)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.helpers import IDENTITY, make_template_repo, remove_bulky_files, render

TEMP_ROOT = pytest.StashKey[Path]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Give the whole run, subprocesses included, one temporary folder of its own.

    Rendered projects, their inner pytest runs and scaffold's processes all write there, so
    that the run can clean up after itself: everything when it passed, checkpoints and exports
    (hundreds of MB) when it failed, keeping the small files a reader needs.
    """
    if hasattr(config, "workerinput"):  # an xdist worker: it inherited the controller's
        return
    root = Path(tempfile.mkdtemp(prefix="scaffold-tests-"))
    os.environ["TMPDIR"] = str(root)
    tempfile.tempdir = None  # read TMPDIR again
    config.stash[TEMP_ROOT] = root


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the run's temporary folder, or its bulky files when something failed."""
    root = session.config.stash.get(TEMP_ROOT, None)
    if root is None:
        return
    if exitstatus == 0:
        shutil.rmtree(root, ignore_errors=True)
    else:
        remove_bulky_files(root)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first: with two workers, the quick ones then fill the gaps at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project, rendered once per test session (treat it as read-only)."""
    return render(tmp_path_factory.mktemp("default") / "shapes")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    """Report the size and cost of the rendered-project matrix at the end of the run."""
    root = terminalreporter.config.stash.get(TEMP_ROOT, None)
    if root is not None and exitstatus != 0:
        terminalreporter.write_line(
            f"temporary files of this run (checkpoints and exports removed): {root}"
        )
    reports = [
        report
        for key in ("passed", "failed")
        for report in terminalreporter.stats.get(key, [])
        if report.when == "call" and "test_projects_lint_clean_and_train_one_step" in report.nodeid
    ]
    if reports:
        from tests.test_generated_projects import VARIANTS

        seconds = sum(report.duration for report in reports)
        failed = sum(report.failed for report in reports)
        terminalreporter.write_line(
            f"project matrix: {len(VARIANTS)} rendered projects (pairwise, torchvision as one) "
            f"in {len(reports)} chunks, {failed} chunks failed, {seconds:.0f} s of test time"
        )
        timings = {
            index: project_seconds
            for report in reports
            for name, value in report.user_properties
            if name == "project_seconds"
            for index, project_seconds in value.items()
        }
        slowest = sorted(timings.items(), key=lambda item: -item[1])[:8]
        for index, project_seconds in slowest:
            answers = {
                k: v
                for k, v in VARIANTS[index].items()
                if k in ("task", "backbone", "detector", "precision")
            }
            terminalreporter.write_line(
                f"  project {index:02d}: {project_seconds:5.1f} s  {answers}"
            )


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away template repository with releases v1.0.0 and v2.0.0 (see tests/helpers.py)."""
    return make_template_repo(tmp_path_factory.mktemp("template-repo") / "template")


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give git, ours and Copier's, an identity whatever the machine's configuration."""
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)
