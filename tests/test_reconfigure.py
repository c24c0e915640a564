"""``scaffold reconfigure``: change recorded answers later, through Copier, keeping user edits."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffolder.cli import app
from scaffolder.errors import ExitCode
from tests.helpers import answers, commit_all, new_project, status

pytestmark = pytest.mark.usefixtures("git_identity")
PACKAGE = "src/shapes_classifier"


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def test_reconfigure_switches_answers_and_keeps_user_edits(
    template_repo: Path, tmp_path: Path
) -> None:
    project = new_project(template_repo, tmp_path / "shapes")
    with (project / PACKAGE / "model.py").open("a") as model:
        model.write("\n\nTEAM_CONSTANT = 1\n")
    commit_all(project)

    for bad, message in [
        (["precision=fp8"], "Invalid choice for 'precision'"),
        (["colour=red"], "The template asks no question colour"),
        (["max_epochs=3"], "The template asks no question max_epochs"),  # computed, not asked
        (["precision"], "'precision' is not of the form key=value"),
    ]:
        refused = invoke("reconfigure", project, *bad)
        assert refused.exit_code == ExitCode.BAD_INPUT, refused.output
        assert message in refused.output
        assert status(project) == ""  # nothing half-written

    result = invoke("reconfigure", project, "backbone=resnet18", "logger=tensorboard")

    assert result.exit_code == 0, result.output
    assert "Reconfigured shapes at template v1.0.0:" in result.output
    # Both backbone modules are in every project: the answer changes the config, not the files.
    assert "M configs/default.yaml" in result.output and f"{PACKAGE}/blocks.py" not in result.output
    recorded = answers(project)
    assert (recorded["backbone"], recorded["logger"], recorded["_commit"]) == (
        "resnet18",
        "tensorboard",
        "v1.0.0",
    )
    assert "block" not in recorded  # not asked for torchvision backbones
    config = (project / "configs/default.yaml").read_text()
    assert "loggers.TensorBoardLogger" in config and "name: resnet18" in config
    assert "TEAM_CONSTANT = 1" in (project / PACKAGE / "model.py").read_text()
