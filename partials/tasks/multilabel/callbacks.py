"""What ``predict`` returns, as a CSV file people can open and as ``serve``'s JSON answers."""

import csv
from pathlib import Path

from lightning.pytorch import LightningModule, Trainer

from {{ package_name }} import base


class PredictionWriter(base.PredictionWriter):
    """One row per image: its path, the predicted labels and the probability of every class.

    The labels are the classes whose probability, as written (four decimals), reaches the
    model's threshold, joined by the data's label separator as in the dataset's own CSV files;
    empty when there are none. With several processes each writes its own share to
    ``<stem>-rank<N>.csv``.
    """

    def __init__(self, output_path: str = "predictions.csv") -> None:
        super().__init__(output_path)

    def write(
        self, path: Path, predictions: list[dict], trainer: Trainer, model: LightningModule
    ) -> str:
        class_names = model.hparams.class_names
        separator = trainer.datamodule.label_separator
        threshold = model.threshold
        with path.open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["path", "labels", *class_names])
            for batch in predictions:
                for image, probs in zip(batch["paths"], batch["probs"].tolist(), strict=True):
                    written = [round(p, 4) for p in probs]  # so the row reads consistently
                    labels = [
                        name for name, p in zip(class_names, written, strict=True) if p >= threshold
                    ]
                    writer.writerow([image, separator.join(labels), *(f"{p:.4f}" for p in written)])
        return "Predictions"


def answers(prediction: dict, hparams: dict, threshold: float) -> list[dict]:
    """Per image of one ``predict_step``: the labels at or above ``threshold`` and every
    label's probability, as ``serve`` answers."""
    found = []
    for probs in prediction["probs"].tolist():
        named = dict(zip(hparams["class_names"], probs, strict=True))
        labels = [name for name, p in named.items() if p >= threshold]
        found.append({"labels": labels, "probabilities": named})
    return found
