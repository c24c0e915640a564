"""Answer sets in which every pair of values of any two questions meets at least once.

They are generated from copier.yml (a greedy pairwise cover, seeded, so every run and every
xdist worker gets the same list), so a question or choice added there is covered without
editing tests. Only pairs that can occur in one project are required: which questions are
asked comes from their ``when`` in copier.yml, and which choices a task offers (layouts,
losses, detectors, precisions) from the choices' validators, which read its registry.

The torchvision backbones share one code path (a torchvision builder behind the same head), and
timm's is one more of the kind, so for pairing they count as one value, "torchvision"; each of
them is then given to at least one of those projects. Pairing every one of them with every
precision would add dozens of slow ResNet-50 / ConvNeXt steps to `make test` on 2 cores.
"""

import random
from functools import cache
from itertools import combinations
from typing import Any

from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

from scaffolder.template import Question, questions
from tests.helpers import ROOT

BLOCK_KEYS = ("block", "norm", "activation", "padding_mode", "pool")
COMMON_KEYS = ("precision", "optimizer", "scheduler", "logger", "ci")
KEYS = ("task", "dataset_layout", "detector", "backbone", *BLOCK_KEYS, "loss", *COMMON_KEYS)
# What builds the network; a learning-rate schedule sees only the optimizer, never these.
MODEL_KEYS = ("detector", "backbone", *BLOCK_KEYS, "loss")
TORCHVISION = "torchvision"
Pair = tuple[tuple[str, str], tuple[str, str]]


def catalogue() -> dict[str, Question]:
    return questions(str(ROOT))


def torchvision_backbones() -> tuple[str, ...]:
    """The backbone choices other than blocks."""
    return tuple(b for b in catalogue()["backbone"].choices if b != "blocks")


def choices() -> dict[str, tuple[str, ...]]:
    """The choices of every question the matrix varies, torchvision backbones as one."""
    values = {key: catalogue()[key].choices for key in KEYS}
    values["backbone"] = ("blocks", TORCHVISION)
    return values


def render(expression: str, answers: dict[str, Any]) -> str:
    """A Jinja expression of copier.yml, rendered with the answers and its derived values."""
    task = answers.get("task")
    context = {
        "tasks": catalogue()["tasks"].default,
        "layouts": catalogue()["layouts"].default,
        "family": catalogue()["tasks"].default[task]["family"] if task else None,
        **answers,
    }
    # Whether the block questions build a backbone: a dense task's, or a detector's.
    block_backbone = compiled(catalogue()["block_backbone"].default).render(context).strip()
    context["block_backbone"] = block_backbone == "True"
    return compiled(expression).render(context).strip()


@cache
def compiled(expression: str) -> Template:
    """A Jinja expression of copier.yml, compiled once: the cover renders each thousands of
    times, and compiling took nearly all of its four minutes."""
    return SandboxedEnvironment().from_string(expression)


def applies(key: str, answers: dict[str, Any]) -> bool:
    """Whether copier.yml asks the question at all, given the other answers (its ``when``).

    A question whose ``when`` reads an answer not given yet (the block questions read the
    backbone) is taken as not asked until that answer is there.
    """
    when = catalogue()[key].when
    if when is None or isinstance(when, bool):
        return when is not False
    return render(when, answers) == "True"


@cache
def _allowed(key: str, value: str, task: str) -> bool:
    validator = catalogue()[key].choice_validators.get(value)
    return not validator or not render(validator, {"task": task})


def allowed(key: str, value: str, answers: dict[str, Any]) -> bool:
    """Whether copier.yml accepts the choice given the task (its choice validator is silent)."""
    return _allowed(key, value, answers["task"])


def contexts() -> list[dict[str, str]]:
    """The (task, backbone family) combinations a project can have; a detector built on the
    block questions' backbone is a context of its own, so that the blocks meet it."""
    values = choices()
    result = []
    for task in values["task"]:
        if applies("backbone", {"task": task}):
            result += [{"task": task, "backbone": family} for family in values["backbone"]]
            continue
        result.append({"task": task})
        for detector in options("detector", {"task": task}):
            if applies("block", {"task": task, "detector": detector}):
                result.append({"task": task, "detector": detector})
    return result


def options(key: str, context: dict[str, Any]) -> tuple[str, ...]:
    """The values a question may take in a project of that context; none if it is not asked."""
    if not applies(key, context):
        return ()
    if key in context:
        return (context[key],)
    return tuple(value for value in choices()[key] if allowed(key, value, context))


def paired(first: str, second: str) -> bool:
    """Whether the values of two questions must meet: all but a loss and a block question.

    A loss sees only logits and targets, never how the backbone was built, so pairing each
    of the 11 losses with each of the 8 activations (and the other block questions) would add
    some 25 projects to the matrix and test no code path that the pairs left do not. Likewise
    a learning-rate schedule acts on the optimizer alone, so it meets every task, optimizer
    and precision, but not each detector, backbone, block or loss: pairing the 4 schedules
    with the 4 detectors alone would take 4 more detection projects, at some 20 s each. A
    dataset layout reads files and never sees the backbone either: pairing yolo and coco with
    each block value, now that a detector is built from them, would take 16 detection projects.
    The logger writes what the trainer logs and the report reads it back, whatever the model,
    data or schedule: it meets each task alone (four loggers met with everything took 8 more
    projects, at some 10 s each).
    """
    if "logger" in {first, second}:
        return {first, second} == {"logger", "task"}
    if {first, second} & {"loss", "dataset_layout"} and {first, second} & set(BLOCK_KEYS):
        return False
    return not {first, second} & {"scheduler"} or not {first, second} & set(MODEL_KEYS)


def required_pairs() -> set[Pair]:
    """Every pair of values that can occur together in one project and must meet."""
    pairs = set()
    for context in contexts():
        for first, second in combinations(KEYS, 2):
            if not paired(first, second):
                continue
            for a in options(first, context):
                for b in options(second, context):
                    pairs.add(((first, a), (second, b)))
    return pairs


def covered_pairs(answers: dict[str, Any]) -> set[Pair]:
    """The pairs of values one project contains (of questions whose values must meet)."""
    present = [key for key in KEYS if key in answers and applies(key, answers)]
    return {((a, answers[a]), (b, answers[b])) for a, b in combinations(present, 2) if paired(a, b)}


def pick(
    row: dict[str, Any],
    key: str,
    values: tuple[str, ...],
    uncovered: set[Pair],
    rng: random.Random,
) -> str:
    """The value for ``key`` that covers the most uncovered pairs with the values chosen so far."""
    scored = []
    for value in values:
        candidate = {**row, key: value}
        new = {pair for pair in covered_pairs(candidate) if (key, value) in pair} & uncovered
        scored.append((len(new), rng.random(), value))
    return max(scored)[2]


def seed_row(pair: Pair, rng: random.Random) -> dict[str, Any]:
    """A context in which the pair can occur, with the pair's two values set."""
    (first, a), (second, b) = pair
    fitting = [
        context
        for context in contexts()
        if a in options(first, context) and b in options(second, context)
    ]
    return {**rng.choice(fitting), first: a, second: b}


def pairwise_variants(seed: int = 0, candidates: int = 20) -> list[dict[str, Any]]:
    """A small list of answer sets covering every required pair (greedy, AETG-style)."""
    uncovered = required_pairs()
    rng = random.Random(seed)
    variants: list[dict[str, Any]] = []
    while uncovered:
        best: dict[str, Any] = {}
        best_gain = -1
        for _ in range(candidates):
            row = seed_row(rng.choice(sorted(uncovered)), rng)
            order = [key for key in KEYS if key not in row]
            rng.shuffle(order)
            for key in order:
                values = options(key, row)
                if values:
                    row[key] = pick(row, key, values, uncovered, rng)
            row_gain = len(covered_pairs(row) & uncovered)
            if row_gain > best_gain:
                best, best_gain = row, row_gain
        uncovered -= covered_pairs(best)
        variants.append({key: best[key] for key in KEYS if key in best and applies(key, best)})
    backbones = torchvision_backbones()
    family = [variant for variant in variants if variant.get("backbone") == TORCHVISION]
    while len(family) < len(backbones):  # every torchvision backbone trains at least once
        extra = {**family[0]}
        variants.append(extra)
        family.append(extra)
    for index, variant in enumerate(family):
        variant["backbone"] = backbones[index % len(backbones)]
    for index, variant in enumerate(variants):
        if "block" in variant:  # small and varied, so CPU steps stay quick
            variant["widths"] = [8, 16] if index % 2 else [16, 32, 64]
    return variants
