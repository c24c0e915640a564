"""The template renders through plain Copier into the tree ARCHITECTURE.md describes."""

import os
import re
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT, render, run


def test_default_project_tree(default_project: Path) -> None:
    package = default_project / "src" / "shapes_classifier"
    for path in [
        ".copier-answers.yml",
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "configs/default.yaml",
        "configs/sweep.yaml",
        "scripts/sweep.sbatch",
        ".github/workflows/ci.yml",
        ".github/actionlint.yaml",
        "tests/test_train.py",
        "tests/test_data.py",
    ]:
        assert (default_project / path).is_file(), path
    modules = {path.name for path in package.glob("*.py")}
    assert modules == {
        "__init__.py",
        "__main__.py",
        "backbones.py",
        "base.py",
        "blocks.py",
        "callbacks.py",
        "check_data.py",
        "data.py",
        "demo_data.py",
        "export.py",
        "guards.py",
        "images.py",
        "losses.py",
        "model.py",
        "plots.py",
        "report.py",
        "serve.py",
        "summary.py",
        "sweep.py",
        "transforms.py",
    }
    assert not list(default_project.rglob("*.jinja"))


def test_answers_file_records_an_absolute_source_and_the_answers(default_project: Path) -> None:
    recorded = yaml.safe_load((default_project / ".copier-answers.yml").read_text())
    assert Path(recorded["_src_path"]).is_absolute()
    assert recorded["_commit"]
    assert recorded["task"] == "classification"
    assert recorded["widths"] == [32, 64, 128, 256]
    assert "python_keywords" not in recorded  # derived values are not answers


def test_a_torchvision_backbone_is_configured_and_the_block_cnn_stays(tmp_path: Path) -> None:
    project = render(tmp_path / "p", backbone="resnet18", ci="none")
    package = project / "src" / "shapes_classifier"
    # Both kinds stay, so that the YAML can switch between them without rendering again.
    assert "class ConvNet(" in (package / "blocks.py").read_text()
    backbones = (package / "backbones.py").read_text()
    assert "class ResNetBackbone(" in backbones and "class FeatureStages(" in backbones
    config = yaml.safe_load((project / "configs" / "default.yaml").read_text())
    assert config["model"]["backbone"]["init_args"] == {"name": "resnet18", "weights": None}
    assert not (project / ".github").exists()


def test_pretrained_backbone_is_configured_but_its_tests_never_download(tmp_path: Path) -> None:
    project = render(tmp_path / "p", backbone="mobilenet_v3_small", pretrained=True, ci="none")
    config = yaml.safe_load((project / "configs" / "default.yaml").read_text())
    assert config["model"]["backbone"]["init_args"]["weights"] == "DEFAULT"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["pretrained"] is True
    torch_home = tmp_path / "torch-home"
    tests = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "cpu"],
        cwd=project,
        PYTHONPATH=str(project / "src"),
        TORCH_HOME=str(torch_home),
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert not torch_home.exists() or not any(torch_home.rglob("*.pth"))


def test_slurm_script_matches_the_multinode_config(default_project: Path) -> None:
    trainer = yaml.safe_load((default_project / "configs" / "multinode.yaml").read_text())[
        "trainer"
    ]
    script = default_project / "scripts" / "slurm.sbatch"
    directives = dict(re.findall(r"^#SBATCH --([\w-]+)=(\S+)$", script.read_text(), re.MULTILINE))
    assert int(directives["nodes"]) == trainer["num_nodes"]
    assert int(directives["ntasks-per-node"]) == trainer["devices"]
    assert int(directives["gpus-per-node"]) == trainer["devices"]
    launch = "srun python -m shapes_classifier fit --config configs/default.yaml"
    assert f"{launch} --config configs/multinode.yaml" in script.read_text()
    assert os.access(script, os.X_OK)
    assert run(["bash", "-n", str(script)], cwd=default_project).returncode == 0


def test_blocks_module_holds_only_the_chosen_norm(tmp_path: Path) -> None:
    group = render(tmp_path / "group", norm="group").joinpath("src/shapes_classifier/blocks.py")
    batch = render(tmp_path / "batch", norm="batch").joinpath("src/shapes_classifier/blocks.py")
    assert "class GroupNorm2d" in group.read_text()
    assert "LayerNorm2d" not in group.read_text()
    assert "GroupNorm2d" not in batch.read_text() and "import math" not in batch.read_text()


def test_workflow_passes_actionlint_and_the_github_schema(default_project: Path) -> None:
    workflow = default_project / ".github" / "workflows" / "ci.yml"
    # actionlint reads .github/actionlint.yaml (the gpu runner label) from the git repository.
    run(["git", "init", "--quiet"], cwd=default_project)
    lint = run(["actionlint", "-no-color", str(workflow)], cwd=default_project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    schema = run(
        ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)],
        cwd=default_project,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    assert jobs["cpu"]["runs-on"] == "ubuntu-latest"
    assert jobs["gpu"]["runs-on"] == ["self-hosted", "gpu"]
    assert any("pytest -m gpu" in step.get("run", "") for step in jobs["gpu"]["steps"])
    assert any("pytest -m ddp" in step.get("run", "") for step in jobs["cpu"]["steps"])


def test_gitlab_pipeline_passes_the_gitlab_schema(tmp_path: Path) -> None:
    project = render(tmp_path / "p", ci="gitlab")
    pipeline = project / ".gitlab-ci.yml"
    schema = run(
        ["check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", str(pipeline)], cwd=project
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    assert not (project / ".github").exists()
    jobs = yaml.safe_load(pipeline.read_text())
    assert {"ruff check .", "python -m pytest", "python -m pytest -m ddp"} <= set(
        jobs["cpu"]["script"]
    )
    assert jobs["gpu"]["tags"] == ["gpu"]
    assert "python -m pytest -m gpu" in jobs["gpu"]["script"]


def test_plain_copier_cli_renders_without_trust(tmp_path: Path) -> None:
    result = run(
        [
            str(Path(sys.executable).parent / "copier"),
            "copy",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            str(ROOT),
            str(tmp_path / "plain"),
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plain" / "src" / "shapes_classifier" / "model.py").is_file()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"package_name": "class"}, 'package_name "class" is a Python keyword'),
        ({"package_name": "my-pkg"}, 'package_name "my-pkg" is not a valid Python package name'),
        ({"package_name": "1abc"}, 'package_name "1abc" is not a valid Python package name'),
        ({"package_name": "../x"}, 'package_name "../x" is not a valid Python package name'),
        ({"package_name": "torch"}, "would shadow the torch package"),
        ({"widths": "[0, 16]"}, "widths must be a non-empty list of positive integers"),
        ({"widths": "[]"}, "widths must be a non-empty list of positive integers"),
        ({"widths": "{a: 1}"}, "widths must be a non-empty list of positive integers"),
        ({"dropout": "1.0"}, "dropout must be at least 0 and below 1"),
        ({"stage_dropout": "-0.1"}, "stage_dropout must be at least 0 and below 1"),
        ({"precision": "fp8"}, "Invalid choice for 'precision'"),
    ],
)
def test_validators_reject_bad_answers(answers: dict, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        render(tmp_path / "bad", **answers)
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    ("task", "package"),
    [
        ("classification", "shapes_classifier"),
        ("multilabel", "shapes_tagger"),
        ("segmentation", "shapes_segmenter"),
        ("detection", "shapes_detector"),
        ("instance_segmentation", "shapes_mask_detector"),
        ("regression", "shapes_regressor"),
    ],
)
def test_each_task_has_a_default_name_that_fits_it(task: str, package: str, tmp_path: Path) -> None:
    project = render(tmp_path / "p", task=task)
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"] == package
    assert (project / "src" / package / "model.py").is_file()


def test_project_name_derives_a_valid_package_name(tmp_path: Path) -> None:
    project = render(tmp_path / "p", project_name="Cell-Counter v2!")
    assert (project / "src" / "cell_counter_v2" / "__main__.py").is_file()


def test_project_builds_a_wheel_with_its_package_and_dependencies(
    default_project: Path, tmp_path: Path
) -> None:
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(default_project),
        ],
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("shapes_classifier-0.1.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [metadata] = [name for name in names if name.endswith("METADATA")]
        requirements = archive.read(metadata).decode()
    assert "shapes_classifier/model.py" in names and "shapes_classifier/__main__.py" in names
    for requirement in [
        "torch",
        "torchvision",
        "lightning",
        "torchmetrics",
        "jsonargparse[signatures]>=4.49",
        "numpy",
    ]:
        assert f"Requires-Dist: {requirement}" in requirements
    assert "Requires-Dist: pytest" in requirements and 'extra == "dev"' in requirements


@pytest.mark.parametrize("block", ["residual", "inverted_residual"])
def test_blocks_module_holds_only_the_chosen_block_type(block: str, tmp_path: Path) -> None:
    source = render(tmp_path / "p", block=block).joinpath("src/shapes_classifier/blocks.py")
    classes = {
        line.split("(")[0][len("class ") :]
        for line in source.read_text().splitlines()
        if line.startswith("class ")
    }
    expected = {"residual": "ResidualBlock", "inverted_residual": "InvertedResidualBlock"}[block]
    assert classes == {"ConvNormAct", expected, "ConvNet"}
