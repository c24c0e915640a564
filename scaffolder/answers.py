"""Answers given on the command line (``--data k=v``) or in a YAML file (``--data-file``)."""

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from scaffolder.errors import BadInputError
from scaffolder.template import Question

NUMBER_TYPES = {"int": int, "float": float}


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """Turn ``key=value`` strings into a dict; Copier casts each value to its question's type."""
    answers = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BadInputError(
                f"--data {pair!r} is not of the form key=value, e.g. task=classification."
            )
        answers[key.strip()] = value
    return answers


def load_file(path: Path) -> dict[str, Any]:
    """Read a YAML mapping of answers."""
    try:
        content = yaml.safe_load(path.read_text())
    except OSError as error:
        raise BadInputError(f"Cannot read the answers file {path}: {error.strerror}.") from error
    except yaml.YAMLError as error:
        # The context mark is where the broken construct starts, e.g. an unclosed "[".
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise BadInputError(f"The answers file {path} is not valid YAML{where}.") from error
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise BadInputError(f"The answers file {path} must be a YAML mapping of question: answer.")
    return content


def check(answers: Mapping[str, Any], questions: Mapping[str, Question]) -> list[str]:
    """Reject numbers that are not numbers; return the keys no question asks for.

    Copier's own message for a bad number does not name the question, so check those here.
    Choices and validators stay Copier's job.
    """
    if not questions:
        return []
    for key, value in answers.items():
        question = questions.get(key)
        if question and question.type in NUMBER_TYPES and isinstance(value, str):
            try:
                NUMBER_TYPES[question.type](value)
            except ValueError:
                raise BadInputError(
                    f"{key} must be a{'n integer' if question.type == 'int' else ' number'}; "
                    f"got {value!r}."
                ) from None
    return sorted(key for key in answers if key not in questions or questions[key].hidden)
