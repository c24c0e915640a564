"""What ``predict`` returns, as a CSV file people can open and as ``serve``'s JSON answers."""

import csv
from pathlib import Path

from lightning.pytorch import LightningModule, Trainer

from {{ package_name }} import base


class PredictionWriter(base.PredictionWriter):
    """One row per image: its path and the predicted value of every target, in its own units.

    The target columns have the names they have in the dataset's CSV files. With several
    processes each writes its own share to ``<stem>-rank<N>.csv``.
    """

    def __init__(self, output_path: str = "predictions.csv") -> None:
        super().__init__(output_path)

    def write(
        self, path: Path, predictions: list[dict], trainer: Trainer, model: LightningModule
    ) -> str:
        with path.open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["path", *model.hparams.target_names])
            for batch in predictions:
                for image, values in zip(batch["paths"], batch["values"].tolist(), strict=True):
                    writer.writerow([image, *(f"{value:.6g}" for value in values)])
        return "Predictions"


def answers(prediction: dict, hparams: dict) -> list[dict]:
    """Per image of one ``predict_step``: each target's value, as ``serve`` answers."""
    return [
        {"values": dict(zip(hparams["target_names"], values, strict=True))}
        for values in prediction["values"].tolist()
    ]
