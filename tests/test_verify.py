"""``scaffold verify`` runs a project's own smoke tests and reports each one honestly."""

import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from tests.helpers import BIN


def verify(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "scaffold"), "verify", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.slow
def test_cpu_and_ddp_checks_pass_on_a_fresh_project(default_project: Path, tmp_path: Path) -> None:
    result = verify(str(default_project), "--ddp", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CPU: one training step" in result.stdout
    assert "DDP: two CPU processes, two steps" in result.stdout
    assert result.stdout.count("passed") == 2


def test_a_broken_model_fails_the_cpu_check_and_shows_why(
    default_project: Path, tmp_path: Path
) -> None:
    project = tmp_path / "broken"
    shutil.copytree(default_project, project)
    model = project / "src" / "shapes_classifier" / "model.py"
    docstring = '"""Return class logits [B, num_classes]."""'
    failure = '\n        raise RuntimeError("broken on purpose")'
    model.write_text(model.read_text().replace(docstring, docstring + failure))
    result = verify(cwd=project)
    assert result.returncode == 1
    assert "failed" in result.stdout
    assert "broken on purpose" in result.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on machines without GPU")
def test_gpu_check_without_a_gpu_says_so(default_project: Path, tmp_path: Path) -> None:
    result = verify(str(default_project), "--gpu", cwd=tmp_path)
    assert result.returncode == 1
    assert "--gpu needs a CUDA GPU" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_folder_that_is_no_project_is_refused(tmp_path: Path) -> None:
    result = verify(str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a generated project" in result.stderr
