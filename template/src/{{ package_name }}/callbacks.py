"""Writes what ``predict`` returns to a CSV file people can open."""

import csv
from pathlib import Path

from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import BasePredictionWriter
from lightning.pytorch.utilities import rank_zero_info


class ClassPredictionWriter(BasePredictionWriter):
    """One row per image: its path, the predicted class and the probability of every class.

    With several processes each writes its own share to ``<stem>-rank<N>.csv``.
    """

    def __init__(self, output_file: str = "predictions.csv") -> None:
        super().__init__(write_interval="epoch")
        self.output_file = Path(output_file)

    def write_on_epoch_end(
        self,
        trainer: Trainer,
        pl_module: LightningModule,
        predictions: list[dict],
        batch_indices: list,
    ) -> None:
        output_file = self.output_file
        if trainer.world_size > 1:
            output_file = output_file.with_stem(f"{output_file.stem}-rank{trainer.global_rank}")
        class_names = trainer.datamodule.class_names
        output_file.parent.mkdir(parents=True, exist_ok=True)
        with output_file.open("w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["path", "prediction", *class_names])
            for batch in predictions:
                for path, probs in zip(batch["paths"], batch["probs"].tolist(), strict=True):
                    best = max(range(len(probs)), key=probs.__getitem__)
                    writer.writerow([path, class_names[best], *(f"{p:.4f}" for p in probs)])
        rank_zero_info(f"Predictions written to {output_file}")
