"""Writes what ``predict`` returns to a JSON file of {{ 'instances per image, masks as COCO RLE' if detector_family == 'Mask R-CNN' else 'boxes per image' }}."""

import json
from pathlib import Path

{% if detector_family == 'Mask R-CNN' -%}
import torch
{% endif -%}
from lightning.pytorch import LightningModule, Trainer

from {{ package_name }} import base
{%- set objects = 'instances' if detector_family == 'Mask R-CNN' else 'detections' %}


class PredictionWriter(base.PredictionWriter):
    """One entry per image: its path and size, and its {{ objects }}.

{%- if detector_family == 'Mask R-CNN' %}

    Each instance has the class name, its category id (the COCO ``category_id``), the score,
    the box in the image's own pixels twice, ``xyxy`` (corners) and ``bbox`` (``[x, y, width,
    height]``), and its mask: ``area`` in pixels and ``segmentation``, a compressed COCO
    run-length encoding. That is the form of COCO results files, which pycocotools and
    faster-coco-eval read as they are: one JSON file that evaluation tools take, a few hundred
    bytes per mask where a PNG per instance would be thousands of files. With several
    processes each writes its own share to ``<stem>-rank<N>.json``.
{%- else %}

    Each detection has the class name, its category id (the COCO ``category_id``, or the YOLO
    class index), the score, and the box in the image's own pixels twice: ``xyxy`` (corners) and
    ``bbox`` (``[x, y, width, height]``, as in COCO results files). With several processes each
    writes its own share to ``<stem>-rank<N>.json``.
{%- endif %}
    """

    def __init__(self, output_path: str = "predictions.json") -> None:
        super().__init__(output_path)

    def write(
        self, path: Path, predictions: list[list[dict]], trainer: Trainer, model: LightningModule
    ) -> str:
        names, ids = model.hparams.class_names, model.hparams.category_ids
        images = [
            {
                "path": image["path"],
                "width": image["width"],
                "height": image["height"],
                "{{ objects }}": describe_{{ objects }}(image, names, ids),
            }
            for batch in predictions
            for image in batch
        ]
        path.write_text(json.dumps(images, indent=2) + "\n")
        return f"Predictions for {len(images)} images"


def answers(prediction: list[dict], hparams: dict) -> list[dict]:
    """Per image of one ``predict_step``: its size and {{ objects }}, as ``serve`` answers."""
    names, ids = hparams["class_names"], hparams["category_ids"]
    return [
        {
            "width": image["width"],
            "height": image["height"],
            "{{ objects }}": describe_{{ objects }}(image, names, ids),
        }
        for image in prediction
    ]


def describe_{{ objects }}(image: dict, class_names: list[str], category_ids: list[int]) -> list[dict]:
    """The {{ objects }} of one image as JSON-ready dicts; label ``l`` is class ``l - 1``."""
    {{ objects }} = []
{%- if detector_family == 'Mask R-CNN' %}
    for box, score, label, mask in zip(
        image["boxes"].tolist(),
        image["scores"].tolist(),
        image["labels"].tolist(),
        image["masks"],
        strict=True,
    ):
{%- else %}
    for box, score, label in zip(
        image["boxes"].tolist(), image["scores"].tolist(), image["labels"].tolist(), strict=True
    ):
{%- endif %}
        x1, y1, x2, y2 = (round(value, 2) for value in box)
        {{ objects }}.append(
            {
                "category": class_names[label - 1],
                "category_id": category_ids[label - 1],
                "score": round(score, 4),
                "xyxy": [x1, y1, x2, y2],
                "bbox": [x1, y1, round(x2 - x1, 2), round(y2 - y1, 2)],
{%- if detector_family == 'Mask R-CNN' %}
                "area": int(mask.sum()),
                "segmentation": encode_mask(mask),
{%- endif %}
            }
        )
    return {{ objects }}
{%- if detector_family == 'Mask R-CNN' %}


def encode_mask(mask: torch.Tensor) -> dict:
    """A bool mask [H, W] as COCO's compressed RLE, ``{"size": [H, W], "counts": "..."}``."""
    return {"size": list(mask.shape), "counts": counts_to_rle_string(run_lengths(mask))}


def run_lengths(mask: torch.Tensor) -> list[int]:
    """The lengths of the runs of 0 and of 1 in turn, first 0, down each column of the mask."""
    pixels = mask.T.flatten().to(torch.int8)
    starts = torch.nonzero(pixels[1:] != pixels[:-1]).flatten() + 1
    bounds = torch.cat([torch.tensor([0]), starts, torch.tensor([len(pixels)])])
    runs = bounds.diff().tolist()
    return [0, *runs] if pixels[0] else runs


def counts_to_rle_string(counts: list[int]) -> str:
    """Run lengths as COCO's compressed string (pycocotools' ``rleToString``).

    From the third count on, each is written as its difference from the one two before, in
    groups of 5 bits, lowest first, one character per group (its value plus 48); a set sixth bit
    says another group follows, and the last group's fifth bit is the sign.
    """
    characters = []
    for index, count in enumerate(counts):
        value = count - counts[index - 2] if index > 2 else count
        more = True
        while more:
            group = value & 0x1F
            value >>= 5
            more = value != -1 if group & 0x10 else value != 0
            characters.append(chr(group + 48 + (0x20 if more else 0)))
    return "".join(characters)
{%- endif %}
