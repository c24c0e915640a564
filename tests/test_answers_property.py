"""Random answer sets through ``scaffold new``: a clean project, or exit 2 and nothing on disk.

Hypothesis mixes valid choices with the mistakes users make (keywords and paths as package
names, a layout or loss of another task, numbers out of range, malformed YAML, values of the
wrong type in a data file) and checks the one property the CLI promises for all of them.
"""

import subprocess
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scaffolder.cli import app
from scaffolder.template import questions
from tests.helpers import BIN, ROOT

CATALOGUE = questions(str(ROOT))
TASKS = list(CATALOGUE["task"].choices)
LAYOUTS = list(CATALOGUE["dataset_layout"].choices)
LOSSES = list(CATALOGUE["loss"].choices)
BAD_PACKAGE_NAMES = ["class", "my-pkg", "1abc", "../evil", "a/b", "..", "torch", "", "Caps", "_x"]

# Answers a user might give: each one valid on its own (a task and a layout may not fit).
VALID = {
    "project_name": st.one_of(
        st.sampled_from(["Shapes", "Retina Vessels 2", "x", " padded ", "Café Crème", "a" * 60]),
        st.text(st.characters(exclude_characters='"\\', exclude_categories=["Cc"]), max_size=60),
    ),
    "package_name": st.from_regex(r"[a-z][a-z0-9_]{0,23}", fullmatch=True),
    "task": st.sampled_from(TASKS),
    "dataset_layout": st.sampled_from(LAYOUTS),
    "loss": st.sampled_from(LOSSES),
    "backbone": st.sampled_from(["blocks", "resnet18", "mobilenet_v3_small", "convnext_tiny"]),
    "detector": st.sampled_from(["retinanet_resnet50_fpn", "ssdlite320_mobilenet_v3_large"]),
    "block": st.sampled_from(["plain", "residual", "depthwise_separable", "inverted_residual"]),
    "norm": st.sampled_from(["batch", "group", "instance", "layer", "none"]),
    "activation": st.sampled_from(["relu", "gelu", "prelu", "tanh"]),
    "pool": st.sampled_from(["max", "avg", "stride"]),
    "precision": st.sampled_from(["32-true", "16-mixed", "bf16-mixed", "bf16-true", "16-true"]),
    "optimizer": st.sampled_from(["adamw", "adam", "sgd"]),
    "scheduler": st.sampled_from(["cosine", "onecycle", "step", "none"]),
    "logger": st.sampled_from(["csv", "tensorboard", "mlflow", "wandb"]),
    "ci": st.sampled_from(["github", "gitlab", "none"]),
    "pretrained": st.booleans(),
    "dropout": st.floats(0, 0.99),
    "widths": st.lists(st.integers(1, 300), min_size=1, max_size=5).map(str),
}
# The mistakes: out of range, wrong type, near-miss choices, names that are not identifiers.
BAD = {
    "project_name": st.one_of(
        st.sampled_from(["", "   ", 'say "hi"', "back\\slash", "two\nlines", "a" * 61]),
        st.text(max_size=80),
    ),
    "package_name": st.one_of(
        st.sampled_from(BAD_PACKAGE_NAMES),
        st.from_regex(r"[a-z][a-z0-9_]{24,40}", fullmatch=True),
        st.text(max_size=12),
    ),
    "task": st.sampled_from(["segmentaton", "Classification", "", "[detection]"]),
    "dataset_layout": st.sampled_from(["folder", "COCO", "voc"]),
    "loss": st.sampled_from(["crossentropy", "bce", ""]),
    "precision": st.sampled_from(["16", "32", "fp16", "bf16"]),
    "pretrained": st.sampled_from(["maybe", "2", "[]"]),
    "dropout": st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["abc", "nan", "", "[0.1]", "1"]),
    ),
    "widths": st.one_of(
        st.lists(st.integers(-4, 300), max_size=5).map(str),
        st.sampled_from(["[1,", "{}", "abc", "[]", "[32.5]", "[true]", "16", "[0]"]),
    ),
    "colour": st.just("red"),  # no such question: a warning, not an error
    "max_epochs": st.just("3"),  # a computed value: ignored with a warning
}


@st.composite
def answer_sets(draw: st.DrawFn) -> dict:
    """Some valid answers, then none, one or two of them (or unknown keys) made wrong."""
    answers = draw(st.fixed_dictionaries({}, optional=VALID))
    for key in draw(st.lists(st.sampled_from(sorted(BAD)), max_size=2, unique=True)):
        answers[key] = draw(BAD[key])
    return answers


def arguments(answers: dict, as_file: bool, folder: Path) -> list[str]:
    """The answers as ``--data`` pairs, or as a YAML ``--data-file`` that keeps their types."""
    if as_file:
        data_file = folder / "answers.yml"
        data_file.write_text(yaml.safe_dump(answers, allow_unicode=True))
        return ["--data-file", str(data_file)]
    return [f"--data={key}={value}" for key, value in answers.items()]


def check_project(project: Path) -> None:
    """Every Python file compiles; ruff finds nothing to fix or reformat."""
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        lint = subprocess.run(
            [str(BIN / "ruff"), *command, "."], cwd=project, capture_output=True, text=True
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    suppress_health_check=[HealthCheck.too_slow],
)
@given(answers=answer_sets(), as_file=st.booleans())
# The longest names the validators allow, in the task with the longest docstring.
@example(
    answers={"project_name": "P" * 60, "package_name": "p" * 24, "task": "multilabel"},
    as_file=False,
)
@example(answers={"package_name": "../evil", "task": "detection"}, as_file=True)
@example(answers={"project_name": " padded ", "package_name": "a"}, as_file=False)
def test_any_answers_render_a_clean_project_or_exit_2_leaving_nothing(
    answers: dict, as_file: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        destination = folder / "project"
        result = CliRunner().invoke(
            app,
            [
                "new",
                str(destination),
                "--defaults",
                "--no-demo-data",
                "--no-git-init",
                "--ref=HEAD",
                *arguments(answers, as_file, folder),
            ],
        )
        event(f"exit {result.exit_code}")
        if result.exit_code == 0:
            check_project(destination)
            return
        assert result.exit_code == 2, (result.output, result.exception)
        assert isinstance(result.exception, SystemExit), result.exception
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(errors) == 1 and errors[0].startswith("Error: "), result.stderr
        assert not destination.exists()
