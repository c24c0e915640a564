"""Where the template lives and what it asks."""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from scaffolder.errors import ScaffoldError

# The repository that holds this package is the template repository (copier.yml at its root).
BUNDLED_TEMPLATE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Question:
    """One question of copier.yml, as much of it as scaffold needs."""

    key: str
    type: str
    help: str
    choices: tuple[str, ...]
    default: Any
    hidden: bool
    # When it is asked: None (always), False (never: a derived value) or a Jinja expression.
    when: str | bool | None = None
    # Jinja validators of choices that only some answers allow, keyed by choice value: each
    # renders to the reason the choice is unavailable, or to nothing.
    choice_validators: dict[str, str] = field(default_factory=dict)


def default_source() -> str:
    """The bundled template's absolute path, so answers files record a path valid anywhere."""
    if not (BUNDLED_TEMPLATE / "copier.yml").is_file():
        raise ScaffoldError(
            f"No template found next to the scaffolder package ({BUNDLED_TEMPLATE}); "
            "pass --template with a path or git URL of the template repository."
        )
    return str(BUNDLED_TEMPLATE)


@cache
def questions(source: str) -> dict[str, Question]:
    """The questions of a local template, keyed by answer name (empty for remote templates)."""
    config = Path(source) / "copier.yml"
    if not config.is_file():
        return {}
    try:
        raw = yaml.safe_load(config.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ScaffoldError(f"The template's {config} is not valid YAML{where}.") from error
    if not isinstance(raw, dict):
        raise ScaffoldError(f"The template's {config} must be a YAML mapping of questions.")
    result = {}
    for key, spec in raw.items():
        if key.startswith("_") or not isinstance(spec, dict):
            continue
        choices = spec.get("choices", ())
        if isinstance(choices, dict):
            choices = choices.values()
        # A choice is a plain value or a mapping with its value and a validator.
        values = [c["value"] if isinstance(c, dict) else c for c in choices]
        result[key] = Question(
            key=key,
            type=spec.get("type", "str"),
            help=spec.get("help", ""),
            choices=tuple(str(value) for value in values),
            default=spec.get("default"),
            hidden=spec.get("when") is False,
            when=spec.get("when"),
            choice_validators={
                str(c["value"]): c["validator"]
                for c in choices
                if isinstance(c, dict) and "validator" in c
            },
        )
    return result


def registry(source: str, name: str) -> dict[str, dict[str, Any]]:
    """A registry of copier.yml, ``tasks`` or ``layouts``: what each task or layout offers.

    Tests, benchmarks and scripts read the tasks, their layouts and losses from here rather
    than keep lists of their own.
    """
    question = questions(source).get(name)
    if question is None or not isinstance(question.default, dict):
        raise ScaffoldError(f"The template at {source} has no {name} registry in its copier.yml.")
    return question.default
