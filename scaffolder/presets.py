"""Team presets: a YAML file of locked answers and of defaults for the template's questions.

A preset looks like this::

    locked:             # `scaffold new` does not ask these; `scaffold check` reports others
      precision: bf16-mixed
      ci: github
    defaults:           # offered as the default answer, still asked in a terminal
      logger: tensorboard
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scaffolder import answers
from scaffolder.errors import BadInputError
from scaffolder.template import Question

SECTIONS = ("locked", "defaults")


@dataclass(frozen=True)
class Preset:
    """Locked answers and defaults from one preset file."""

    path: Path
    locked: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    """A recorded answer that differs from the value the preset locks."""

    key: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.key} is {self.actual!r}; the preset locks it to {self.expected!r}"


def load(path: Path) -> Preset:
    """Read a preset file; refuse unknown sections and sections that are not mappings."""
    content = answers.load_file(path, kind="preset")
    unknown = sorted(set(content) - set(SECTIONS))
    if unknown:
        raise BadInputError(
            f"The preset {path} has unknown section(s) {', '.join(unknown)}; a preset has only "
            "locked: and defaults:, each a mapping of question: answer."
        )
    sections = {}
    for section in SECTIONS:
        value = content.get(section) or {}
        if not isinstance(value, dict):
            raise BadInputError(
                f"The preset {path} has a {section}: that is not a mapping of question: answer."
            )
        sections[section] = value
    both = sorted(set(sections["locked"]) & set(sections["defaults"]))
    if both:
        raise BadInputError(
            f"The preset {path} both locks and defaults {', '.join(both)}; "
            "keep each in one section."
        )
    return Preset(path=path, locked=sections["locked"], defaults=sections["defaults"])


def validate(preset: Preset, questions: Mapping[str, Question]) -> None:
    """Refuse answers of the wrong shape and keys the template does not ask (when it is known)."""
    for section in SECTIONS:
        unknown = answers.check(getattr(preset, section), questions)
        if unknown:
            raise BadInputError(
                f"The preset {preset.path} names {', '.join(unknown)} under {section}:, but the "
                "template asks no such question; `scaffold options` lists the questions."
            )


def apply(preset: Preset, given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answers and user defaults for Copier: ``given`` plus the locked answers, and the defaults.

    An answer given on the command line that contradicts a locked one is refused, so a project
    never silently leaves the team's standard.
    """
    for key, value in given.items():
        if key in preset.locked and not same(value, preset.locked[key]):
            raise BadInputError(
                f"{key}={value} contradicts the preset {preset.path}, which locks {key} to "
                f"{preset.locked[key]}; drop that answer or change the preset."
            )
    data = {**given, **preset.locked}
    defaults = {key: value for key, value in preset.defaults.items() if key not in data}
    return data, defaults


def violations(preset: Preset, recorded: Mapping[str, Any]) -> list[Violation]:
    """Locked answers the project recorded differently (a question it was not asked is fine)."""
    return [
        Violation(key, expected, recorded[key])
        for key, expected in preset.locked.items()
        if key in recorded and not same(recorded[key], expected)
    ]


def same(a: Any, b: Any) -> bool:
    """Compare answers as Copier records them: ``--data dropout=0.2`` equals ``dropout: 0.2``."""
    return a == b or _parsed(a) == _parsed(b)


def _parsed(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value
