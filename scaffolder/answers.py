"""Answers given on the command line (``--data k=v``) or in a YAML file (``--data-file``)."""

import difflib
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from scaffolder.errors import BadInputError
from scaffolder.template import Question

NUMBER_TYPES = {"int": int, "float": float}


def parse_pairs(pairs: Iterable[str], given_as: str = "--data ") -> dict[str, str]:
    """Turn ``key=value`` strings into a dict; Copier casts each value to its question's type."""
    answers = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BadInputError(
                f"{given_as}{pair!r} is not of the form key=value, e.g. task=classification."
            )
        answers[key.strip()] = value
    return answers


def load_file(path: Path, kind: str = "answers file") -> dict[str, Any]:
    """Read a YAML mapping of answers (or, with ``kind="preset"``, a preset's sections)."""
    try:
        content = yaml.safe_load(path.read_text())
    except OSError as error:
        raise BadInputError(f"Cannot read the {kind} {path}: {error.strerror}.") from error
    except yaml.YAMLError as error:
        raise BadInputError(f"The {kind} {path} is not valid YAML{where(error)}.") from error
    if content is None:
        return {}
    if not isinstance(content, dict):
        shape = "question: answer" if kind == "answers file" else "section: mapping"
        raise BadInputError(f"The {kind} {path} must be a YAML mapping of {shape}.")
    return content


def where(error: yaml.YAMLError) -> str:
    """`` at line N`` for a YAML error; empty when YAML does not say where.

    N is where the broken construct starts (an unclosed ``[``, say), else where the parser
    gave up.
    """
    mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
    return f" at line {mark.line + 1}" if mark else ""


def check(answers: Mapping[str, Any], questions: Mapping[str, Question]) -> list[str]:
    """Reject values of the wrong shape for their question; return keys no question asks for.

    Copier's own messages for these cases do not name the question (or span many lines), so
    they are checked here. Choices and validators stay Copier's job.
    """
    if not questions:  # a remote template: nothing known to check against
        return []
    for key, value in answers.items():
        question = questions.get(key)
        if question and not question.hidden:
            _check_shape(key, value, question.type)
    if "timm_model" in answers and "timm_model" in questions:
        _check_timm_model(str(answers["timm_model"]))
    return sorted(key for key in answers if key not in questions or questions[key].hidden)


def _check_shape(key: str, value: Any, kind: str) -> None:
    if kind in NUMBER_TYPES:
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError
            NUMBER_TYPES[kind](value)
        except ValueError:
            noun = "an integer" if kind == "int" else "a number"
            raise BadInputError(f"{key} must be {noun}; got {value!r}.") from None
    elif kind == "yaml" and isinstance(value, str):
        try:
            yaml.safe_load(value)
        except yaml.YAMLError:
            raise BadInputError(
                f"{key} must be valid YAML, such as [32, 64]; got {value!r}."
            ) from None
    elif kind == "str" and not isinstance(value, str | int | float):
        raise BadInputError(f"{key} must be a single value, not {value!r}.")


def _check_timm_model(name: str) -> None:
    """Refuse a model the installed timm does not know, naming its close matches.

    Copier's validators cannot ask timm, so where timm is installed beside scaffold the name
    is checked before anything is rendered; elsewhere the project checks it when it first
    builds its model.
    """
    if importlib.util.find_spec("timm") is None:
        return
    import timm

    if not timm.is_model(name.split(".")[0]):
        close = difflib.get_close_matches(name, timm.list_models(), n=3)
        hint = f"close matches: {', '.join(close)}" if close else "timm.list_models() names them"
        raise BadInputError(f"timm has no model {name!r}; {hint}.")
