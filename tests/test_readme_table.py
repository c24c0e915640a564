"""The README's table of questions says what copier.yml asks: every question, every choice."""

import re

from scaffolder.template import Question
from tests.helpers import ROOT
from tests.variants import allowed, applies, catalogue

TASKS = catalogue()["task"].choices


def table_rows() -> list[tuple[str, str]]:
    """The (keys, values) cells of the "What the template asks" table."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## What the template asks", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("| ")]
    # Without the header row and the rule under it.
    return [(keys.strip(), values.strip()) for keys, values in rows[2:]]


def cells_by_key() -> dict[str, str]:
    """Each key's part of its row's values: rows name several keys as ``a, b`` or ``a / b``.

    ``a, b`` rows separate the keys' values with ``;``, ``a / b`` rows with `` / ``. A key's
    qualifier in parentheses, such as ``detector (detection)``, is dropped.
    """
    result = {}
    for keys_cell, values in table_rows():
        keys_cell = re.sub(r"\s*\(.*?\)", "", keys_cell)
        separator = " / " if " / " in keys_cell else ", "
        keys = keys_cell.split(separator)
        parts = values.split(" / " if separator == " / " else "; ") if len(keys) > 1 else [values]
        assert len(parts) == len(keys), f"row {keys_cell!r}: {len(keys)} keys, values {values!r}"
        result.update(zip(keys, parts, strict=True))
    return result


def offered(question: Question) -> list[str]:
    """The choices some task can actually pick (``detector`` is only detection's computed loss)."""
    return [
        choice
        for choice in question.choices
        if any(
            applies(question.key, {"task": task}) and allowed(question.key, choice, {"task": task})
            for task in TASKS
        )
    ]


def test_the_readme_table_lists_every_question_and_choice_of_copier_yml() -> None:
    cells = cells_by_key()
    asked = {key: question for key, question in catalogue().items() if not question.hidden}
    assert set(cells) == set(asked), "README table keys differ from copier.yml's questions"
    for key, question in asked.items():
        words = re.findall(r"[\w.\-]+", cells[key])
        choices = offered(question)
        missing = [choice for choice in choices if choice not in words]
        assert not missing, f"{key}: README lacks {missing}"
        # In copier.yml's order, the default first.
        positions = [words.index(choice) for choice in choices]
        assert positions == sorted(positions), f"{key}: README order differs from copier.yml"
        default = str(question.default)
        if choices and "{{" not in default:
            assert words[positions[0]] == default == choices[0], f"{key}: default is not first"
        elif not choices and "{{" not in default and question.type != "yaml":
            assert cells[key].lower().startswith(default.lower()), f"{key}: default {default}"
