"""What ``predict`` returns, as a CSV file people can open and as ``serve``'s JSON answers."""

import csv
from pathlib import Path

from lightning.pytorch import LightningModule, Trainer

from {{ package_name }} import base


class PredictionWriter(base.PredictionWriter):
    """One row per image: its path, the predicted class and the probability of every class.

    With several processes each writes its own share to ``<stem>-rank<N>.csv``.
    """

    def __init__(self, output_path: str = "predictions.csv") -> None:
        super().__init__(output_path)

    def write(
        self, path: Path, predictions: list[dict], trainer: Trainer, model: LightningModule
    ) -> str:
        class_names = model.hparams.class_names
        with path.open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["path", "prediction", *class_names])
            for batch in predictions:
                for image, probs in zip(batch["paths"], batch["probs"].tolist(), strict=True):
                    best = max(range(len(probs)), key=probs.__getitem__)
                    writer.writerow([image, class_names[best], *(f"{p:.4f}" for p in probs)])
        return "Predictions"


def answers(prediction: dict, hparams: dict) -> list[dict]:
    """Per image of one ``predict_step``: the likeliest class and every class's probability,
    as ``serve`` answers."""
    class_names = hparams["class_names"]
    found = []
    for probs in prediction["probs"].tolist():
        best = max(range(len(probs)), key=probs.__getitem__)
        named = dict(zip(class_names, probs, strict=True))
        found.append({"class": class_names[best], "probabilities": named})
    return found
