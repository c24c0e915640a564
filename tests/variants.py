"""Answer sets in which every pair of values of any two questions meets at least once.

They are generated from copier.yml (a greedy pairwise cover, seeded, so every run and every
xdist worker gets the same list), so a question or choice added there is covered without
editing tests. Block questions apply only to the blocks backbone, so their pairs are required
(and counted) only in projects with ``backbone: blocks``.

The torchvision backbones share one code path (a torchvision builder behind the same head), so
for pairing they count as one value, "torchvision"; each of them is then given to at least one
of those projects. Pairing every one of them with every precision would need 79 projects, most
of them slow ResNet-50 / ConvNeXt steps, for a `make test` of over 13 minutes on 2 cores.
"""

import random
from itertools import combinations
from typing import Any

from scaffolder.template import questions
from tests.conftest import ROOT

BLOCK_KEYS = ("block", "norm", "activation", "padding_mode", "pool")
COMMON_KEYS = ("loss", "precision", "optimizer", "scheduler", "logger", "ci")
KEYS = ("backbone", *BLOCK_KEYS, *COMMON_KEYS)
Pair = tuple[tuple[str, str], tuple[str, str]]


TORCHVISION = "torchvision"


def torchvision_backbones() -> tuple[str, ...]:
    """The backbone choices other than blocks."""
    return tuple(b for b in questions(str(ROOT))["backbone"].choices if b != "blocks")


def choices() -> dict[str, tuple[str, ...]]:
    """The choices of every question the matrix varies, torchvision backbones as one."""
    catalogue = questions(str(ROOT))
    values = {key: catalogue[key].choices for key in KEYS}
    values["backbone"] = ("blocks", TORCHVISION)
    return values


def applies(key: str, answers: dict[str, Any]) -> bool:
    """Whether the question is asked at all, given the other answers."""
    return key not in BLOCK_KEYS or answers.get("backbone") == "blocks"


def required_pairs(values: dict[str, tuple[str, ...]]) -> set[Pair]:
    """Every pair of values that can occur together in one project."""
    pairs = set()
    for first, second in combinations(KEYS, 2):
        for a in values[first]:
            for b in values[second]:
                if first == "backbone" and second in BLOCK_KEYS and a != "blocks":
                    continue
                pairs.add(((first, a), (second, b)))
    return pairs


def covered_pairs(answers: dict[str, Any]) -> set[Pair]:
    """The pairs of values one project contains."""
    present = [key for key in KEYS if key in answers and applies(key, answers)]
    return {((a, answers[a]), (b, answers[b])) for a, b in combinations(present, 2)}


def pick(
    row: dict[str, Any],
    key: str,
    options: tuple[str, ...],
    uncovered: set[Pair],
    rng: random.Random,
) -> str:
    """The value for ``key`` that covers the most uncovered pairs with the values chosen so far."""
    scored = []
    for value in options:
        candidate = {**row, key: value}
        new = {pair for pair in covered_pairs(candidate) if (key, value) in pair} & uncovered
        scored.append((len(new), rng.random(), value))
    return max(scored)[2]


def pairwise_variants(seed: int = 0, candidates: int = 20) -> list[dict[str, Any]]:
    """A small list of answer sets covering every required pair (greedy, AETG-style)."""
    values = choices()
    uncovered = required_pairs(values)
    rng = random.Random(seed)
    variants: list[dict[str, Any]] = []
    while uncovered:
        best: dict[str, Any] = {}
        best_gain = -1
        for _ in range(candidates):
            (first, a), (second, b) = rng.choice(sorted(uncovered))
            row = {first: a, second: b}
            if first in BLOCK_KEYS or second in BLOCK_KEYS:
                row["backbone"] = "blocks"
            order = [key for key in KEYS if key not in row]
            rng.shuffle(order)
            order.sort(key=lambda key: key != "backbone")  # backbone first: it gates the rest
            for key in order:
                if applies(key, row):
                    row[key] = pick(row, key, values[key], uncovered, rng)
            row_gain = len(covered_pairs(row) & uncovered)
            if row_gain > best_gain:
                best, best_gain = row, row_gain
        uncovered -= covered_pairs(best)
        variants.append({key: best[key] for key in KEYS if key in best})
    backbones = torchvision_backbones()
    family = [variant for variant in variants if variant["backbone"] == TORCHVISION]
    while len(family) < len(backbones):  # every torchvision backbone trains at least once
        extra = {**family[0]} if family else {"backbone": TORCHVISION}
        variants.append(extra)
        family.append(extra)
    for index, variant in enumerate(family):
        variant["backbone"] = backbones[index % len(backbones)]
    for index, variant in enumerate(variants):
        if variant["backbone"] == "blocks":  # small and varied, so CPU steps stay quick
            variant["widths"] = [8, 16] if index % 2 else [16, 32, 64]
    return variants
