"""Answer sets that together use every choice of every question at least once.

They are generated from copier.yml, so a choice added there is covered without editing tests.
Pairwise coverage of the whole catalogue is a later step; this is the one-of-each floor.
"""

from typing import Any

from scaffolder.template import questions
from tests.conftest import ROOT

BLOCK_KEYS = ("block", "norm", "activation", "padding_mode", "pool")
COMMON_KEYS = ("loss", "precision", "optimizer", "scheduler", "logger", "ci")


def covering_variants() -> list[dict[str, Any]]:
    """One project per index i, taking the i-th choice (cyclically) of every question."""
    catalogue = questions(str(ROOT))

    def pick(key: str, index: int) -> str:
        # Offsetting by the key's position varies which values meet in one project.
        choices = catalogue[key].choices
        position = list(catalogue).index(key)
        return choices[(index + position) % len(choices)]

    blocks_count = max(len(catalogue[key].choices) for key in BLOCK_KEYS + COMMON_KEYS)
    variants: list[dict[str, Any]] = []
    for index in range(blocks_count):
        variant = {"backbone": "blocks", "widths": [8, 16] if index % 2 else [16, 32, 64]}
        variant.update({key: pick(key, index) for key in BLOCK_KEYS + COMMON_KEYS})
        variants.append(variant)
    for offset, backbone in enumerate(catalogue["backbone"].choices[1:]):
        variant = {"backbone": backbone}
        variant.update({key: pick(key, blocks_count + offset) for key in COMMON_KEYS})
        variants.append(variant)
    return variants


def variant_id(answers: dict[str, Any]) -> str:
    """A readable test id: the answers' values joined by dashes."""
    return "-".join(str(value) for key, value in answers.items() if key != "widths")
