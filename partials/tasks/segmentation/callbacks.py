"""What ``predict`` returns, as mask PNGs (one per image) and as ``serve``'s JSON answers."""

import base64
from pathlib import Path

import torch
from lightning.pytorch import LightningModule, Trainer
from lightning.pytorch.callbacks import BasePredictionWriter
from lightning.pytorch.utilities import rank_zero_info
from torchvision.io import encode_png, write_png


class PredictionWriter(BasePredictionWriter):
    """One single-channel PNG per image, at its original size: each pixel's class index.

    The masks mirror the images' paths below ``data.predict_dir``: ``a/b.jpg`` is written to
    ``<output_path>/a/b.png``. They are in the format of the dataset's own masks, and are written
    batch by batch, so that each process of a multi-device run writes its own share.
    """

    def __init__(self, output_path: str = "predictions") -> None:
        super().__init__(write_interval="batch")
        self.output_path = Path(output_path)

    def write_on_batch_end(
        self,
        trainer: Trainer,
        pl_module: LightningModule,
        prediction: dict,
        batch_indices: list[int] | None,
        batch: tuple,
        batch_idx: int,
        dataloader_idx: int,
    ) -> None:
        image_dir = trainer.datamodule.predict_dir
        if image_dir.is_file():  # one image
            image_dir = image_dir.parent
        for path, mask in zip(prediction["paths"], prediction["masks"], strict=True):
            output_file = self.output_path / Path(path).relative_to(image_dir).with_suffix(".png")
            output_file.parent.mkdir(parents=True, exist_ok=True)
            write_png(mask[None], str(output_file))

    def on_predict_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        rank_zero_info(f"Masks written to {self.output_path}/")


def answers(prediction: dict, hparams: dict) -> list[dict]:
    """Per image of one ``predict_step``: its mask of class indices as a base64 PNG and the
    share of pixels of each class, as ``serve`` answers."""
    class_names = hparams["class_names"]
    found = []
    for mask in prediction["masks"]:
        counts = torch.bincount(mask.flatten().long(), minlength=len(class_names)).tolist()
        found.append(
            {
                "height": mask.shape[0],
                "width": mask.shape[1],
                "mask_png": base64.b64encode(encode_png(mask[None]).numpy().tobytes()).decode(),
                "pixel_share": {
                    name: count / mask.numel()
                    for name, count in zip(class_names, counts, strict=True)
                },
            }
        )
    return found
