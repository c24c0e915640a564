"""Every command in a generated project's README works as written, run against demo data.

The commands are read from the README's ```bash blocks. Each must match exactly one rule below,
which says how it is exercised: run as written, run with options that make it fast (appended,
so they win over the config), checked by parsing its configuration where it needs hardware this
machine lacks, or left to the named test that covers it. A command no rule knows fails the test,
so a README change cannot add a command nobody runs.
"""

import csv
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import yaml

from tests.helpers import BIN, render, run

PACKAGE = "shapes_classifier"
# Small images, one or two batches: the README's commands, not the model's quality, are tested.
FAST_RUN = [
    "--data.image_size=32",
    "--data.batch_size=4",
    "--data.num_workers=0",
    "--trainer.max_epochs=1",
    "--trainer.limit_train_batches=2",
    "--trainer.limit_val_batches=1",
    "--trainer.limit_test_batches=1",
    "--trainer.limit_predict_batches=1",
]
FAST_DEMO = ["--train-images=12", "--val-images=6", "--test-images=6", "--image-size=32"]


@dataclass(frozen=True)
class Rule:
    """How the README commands that match ``pattern`` are exercised."""

    pattern: str
    how: str  # run | fast | fast-demo | parse | torchrun-parse | syntax | covered
    why: str = ""

    def matches(self, command: str) -> bool:
        return re.fullmatch(self.pattern, command) is not None


LIGHTNING = rf"python -m {PACKAGE} (fit|validate|test|predict) .*"
RULES = [
    Rule(r"[A-Z_]+=\S+", "run"),
    Rule(
        r"python3 -m venv \.venv && source \.venv/bin/activate",
        "covered",
        "the suite runs in a venv",
    ),
    Rule(
        r"python -m pip install .*",
        "covered",
        "the suite runs with the project's dependencies installed; "
        "test_template.py::test_project_builds_a_wheel_with_its_package_and_dependencies builds it",
    ),
    Rule(rf"python -m {PACKAGE}\.demo_data data", "fast-demo"),
    Rule(rf"python -m {PACKAGE}\.check_data .*", "run"),
    Rule(rf"python -m {PACKAGE} fit .*--config configs/(ddp|multinode)\.yaml.*", "parse"),
    Rule(r"torchrun .*", "torchrun-parse"),
    Rule(
        rf"python -m {PACKAGE}\.sweep (run|report)|python -m {PACKAGE} fit --config sweeps/.*",
        "covered",
        "the project's tests/test_sweep.py runs a sweep, its report and a fit of the best "
        "config (tests/test_sweep.py runs it)",
    ),
    Rule(LIGHTNING, "fast"),
    Rule(rf"python -m {PACKAGE}\.(report|export) .*", "run"),
    Rule(
        rf"python -m {PACKAGE}\.serve --ckpt_path \$CKPT --port \d+",
        "covered",
        "the project's tests/test_serve.py starts the server on a free port "
        "(test_generated_projects.py runs it)",
    ),
    Rule(
        r"curl .*http://127\.0\.0\.1:\d+/predict",
        "covered",
        "the project's tests/test_serve.py sends an upload and a base64 JSON body alike",
    ),
    Rule(r"sbatch scripts/slurm\.sbatch", "syntax"),
    Rule(r"SWEEP_STORAGE=\S+ sbatch scripts/sweep\.sbatch", "syntax"),
    Rule(r"pytest -m sweep", "covered", "tests/test_sweep.py runs it"),
    Rule(r"pytest -m gpu", "run"),
    Rule(r"pytest", "covered", "test_generated_projects.py runs every project's own tests"),
    Rule(r"pytest -m ddp", "covered", "test_verify.py runs the DDP test through scaffold verify"),
    Rule(r"ruff check \. && ruff format --check \.", "run"),
    Rule(r"copier update .*", "covered", "test_update.py runs copier update on tagged templates"),
    Rule(
        r"scaffold update( --dry-run)?",
        "covered",
        "test_update.py and test_update_safety.py run scaffold update, --dry-run included",
    ),
]


def readme_commands(readme: str) -> list[str]:
    """The commands of the README's bash blocks: continuations joined, comments dropped."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", readme, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command = " ".join(re.sub(r"\s#.*$", "", line).split())
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def as_run(command: str, how: str) -> str:
    """The shell command that exercises the README command."""
    if how == "fast":
        return f"{command} {shlex.join(FAST_RUN)}"
    if how == "fast-demo":
        return f"{command} {shlex.join(FAST_DEMO)}"
    if how == "parse":
        return f"{command} --print_config"
    if how == "torchrun-parse":  # the module and options torchrun starts in each process
        module = command.split(" -m ", 1)[1]
        return f"python -m {module} --print_config"
    if how == "syntax":
        return f"bash -n {command.split()[-1]}"
    return command


@pytest.mark.slow
def test_every_readme_command_runs_against_demo_data(tmp_path: Path) -> None:
    project = render(tmp_path / "shapes")
    commands = readme_commands((project / "README.md").read_text())
    assert any(re.fullmatch(LIGHTNING, command) for command in commands)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(project / "src"),
    }
    exercised = []
    printed: dict[str, str] = {}  # what each command printed, by the README's words
    for command in commands:
        rules = [rule for rule in RULES if rule.matches(command)]
        assert rules, f"no rule says how to exercise this README command: {command}"
        rule = rules[0]
        if rule.how == "covered":
            exercised.append((command, f"covered: {rule.why}"))
            continue
        assignment = re.fullmatch(r"([A-Z_]+)=(\S+)", command)
        if assignment:
            env[assignment[1]] = assignment[2]
            continue
        shell = as_run(command, rule.how)
        result = run(["bash", "-c", shell], cwd=project, **env)
        assert result.returncode == 0, f"{shell}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        exercised.append((command, rule.how))
        printed[command] = result.stdout

    hows = {how for _, how in exercised}
    assert {"fast", "fast-demo", "parse", "run"} <= hows, exercised
    fit, validate, test, ddp = (
        next(out for command, out in printed.items() if command.startswith(start))
        for start in (
            f"python -m {PACKAGE} fit --config configs/default.yaml",
            f"python -m {PACKAGE} validate",
            f"python -m {PACKAGE} test",
            f"python -m {PACKAGE} fit --config configs/default.yaml --config configs/ddp.yaml",
        )
    )
    assert "━" in fit, "no rich progress bar"  # rich draws its bars with this character
    check = next(out for command, out in printed.items() if ".check_data " in command)
    assert check.startswith("No problems found.") and "images: train 12, val 6, test 6" in check
    assert "val/acc" in validate and "test/acc" in test
    trainer = yaml.safe_load(ddp)["trainer"]  # the overlay merged over the default config
    assert (trainer["strategy"], trainer["devices"], trainer["sync_batchnorm"]) == ("ddp", -1, True)
    assert trainer["precision"] == "32-true"  # the overlay keeps what it does not name
    # Evaluation went into the run's folder: each version_N is a training run.
    for run_dir in (project / "logs" / PACKAGE).iterdir():
        assert (run_dir / "checkpoints" / "last.ckpt").is_file(), f"{run_dir.name} trained nothing"
    configs = [path.read_text() for path in (project / "logs" / PACKAGE).glob("*/config.yaml")]
    assert any(f"{PACKAGE}.backbones.ResNetBackbone" in config for config in configs)
    run_dir = project / "logs" / PACKAGE / "version_0"
    assert {"validate", "test", "predict"} <= {path.name for path in run_dir.iterdir()}
    assert "val/acc" in (run_dir / "validate" / "metrics.csv").read_text()
    checkpoint = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=False)
    assert checkpoint["global_step"] == 2  # limit_train_batches
    for picture in ("curves.png", "confusion_matrix.png", "predictions.png"):
        assert (run_dir / picture).read_bytes().startswith(b"\x89PNG"), picture
    assert {"last.onnx", "last.pt"} <= {path.name for path in (run_dir / "checkpoints").iterdir()}
    rows = list(csv.DictReader((project / "predictions.csv").open()))
    assert len(rows) == 4  # one batch
    classes = ("circle", "square", "triangle")
    for row in rows:
        assert row["prediction"] in classes
        assert abs(sum(float(row[name]) for name in classes) - 1) < 1e-3
