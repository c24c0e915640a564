"""Run several rendered projects' own test suites in one pytest process, and read the result.

Each project is rendered into a folder named ``project-NN`` with the package ``matrix_NN``, so
their suites can share an interpreter (torch and Lightning are imported once). A failure is
reported from the JUnit file the inner pytest writes: the project's answers, the failing
test, its assertion message and the end of its output come first, where a reader looks.
"""

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from tests.helpers import run

OUTPUT_LINES = 40  # of a failing test's captured output
PROJECT = re.compile(r"project-(\d+)")


@dataclass(frozen=True)
class Failure:
    """One failing test of a rendered project, as its JUnit entry tells it."""

    index: int
    test: str
    message: str
    output: str


def run_suites(
    projects: Mapping[int, Path], paths: Mapping[int, Sequence[str]], workdir: Path
) -> tuple[int, str, Path]:
    """Run the ``paths`` (relative to each project) of every project in one pytest process.

    Returns pytest's exit code, its console output and the JUnit report.
    """
    first = next(iter(projects.values()))
    report = workdir / "report.xml"
    result = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            f"--rootdir={workdir}",
            f"--config-file={first / 'pyproject.toml'}",
            f"--basetemp={workdir / 'pytest'}",
            f"--junitxml={report}",
            "-o",
            "junit_logging=all",
            *(f"{projects[index]}/{path}" for index in projects for path in paths[index]),
        ],
        cwd=workdir,
        PYTHONPATH=os.pathsep.join(f"{project}/src" for project in projects.values()),
    )
    return result.returncode, result.stdout + result.stderr, report


def failures(report: Path) -> list[Failure]:
    """The failing tests in a JUnit report, with their messages and output."""
    found = []
    for case in ElementTree.parse(report).iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        streams = [case.find("system-out"), case.find("system-err")]
        output = "\n".join(part.text or "" for part in streams if part is not None)
        found.append(
            Failure(
                index=_index(case),
                test=f"{case.get('classname', '')}::{case.get('name', '')}",
                message=_assertion(problem),
                output="\n".join(output.strip().splitlines()[-OUTPUT_LINES:]),
            )
        )
    return found


def describe(found: Sequence[Failure], answers: Mapping[int, Mapping[str, Any]]) -> str:
    """The failures as a reader wants them first: answers, test, message, end of output."""
    blocks = []
    for failure in found:
        blocks.append(
            f"project {failure.index:02d} {dict(answers.get(failure.index, {}))}\n"
            f"  test: {failure.test}\n"
            f"  {failure.message}\n"
            f"  last {OUTPUT_LINES} lines of its output:\n"
            + "\n".join(f"    {line}" for line in failure.output.splitlines())
        )
    return "\n\n".join(blocks)


def outcomes(report: Path) -> dict[tuple[int, str], str]:
    """(project index, test name) -> passed / skipped / failed, from a JUnit report."""
    found = {}
    for case in ElementTree.parse(report).iter("testcase"):
        name = case.get("name", "").split("[")[0]
        status = "passed"
        if case.find("skipped") is not None:
            status = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            status = "failed"
        found[_index(case), name] = status
    return found


def seconds_per_project(report: Path) -> dict[int, float]:
    """Project index -> seconds its tests took, from a JUnit report."""
    seconds: dict[int, float] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        index = _index(case)
        seconds[index] = seconds.get(index, 0.0) + float(case.get("time", 0))
    return seconds


def _index(case: ElementTree.Element) -> int:
    match = PROJECT.search(case.get("classname", "") + case.get("file", ""))
    assert match, case.attrib
    return int(match.group(1))


def _assertion(problem: ElementTree.Element) -> str:
    """The line that says what went wrong: pytest's ``E`` lines, else the message attribute."""
    lines = [
        line[1:].strip() for line in (problem.text or "").splitlines() if line.startswith("E ")
    ]
    return "\n  ".join(lines[:12]) or problem.get("message", "no message")
