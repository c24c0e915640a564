"""Guards for long runs: stop when the loss is no longer finite, never half-write a checkpoint."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.plugins import TorchCheckpointIO


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite."""


class StopOnNonFiniteLoss(Callback):
    """Stops training with an error naming the step as soon as the training loss is NaN or inf.

    After such a step the weights are garbage, and without this check the run would go on and
    overwrite ``last.ckpt`` with them. EarlyStopping's ``check_finite`` looks only at the
    monitored validation metric, once per epoch. Reading a GPU tensor makes the CPU wait for
    every kernel queued so far, so each step's loss is copied to the host in the background and
    read at the end of the next step, once the GPU has got that far, and before every
    checkpoint is written: no checkpoint holds weights that a non-finite loss produced.
    """

    def __init__(self) -> None:
        self._pending: tuple[torch.Tensor, torch.cuda.Event | None, int, int, int] | None = None

    def on_train_batch_end(
        self,
        trainer: Trainer,
        pl_module: LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        self._check(trainer)
        loss = outputs["loss"] if isinstance(outputs, Mapping) else outputs
        if not isinstance(loss, torch.Tensor):
            return
        copied = None
        loss = loss.detach()
        if loss.is_cuda:
            host = torch.empty(loss.shape, dtype=loss.dtype, pin_memory=True)
            loss = host.copy_(loss, non_blocking=True)
            copied = torch.cuda.Event()
            copied.record()
        self._pending = (loss, copied, trainer.global_step, trainer.current_epoch, batch_idx)

    def on_save_checkpoint(
        self, trainer: Trainer, pl_module: LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        self._check(trainer)

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._check(trainer)

    def _check(self, trainer: Trainer) -> None:
        if self._pending is None:
            return
        loss, copied, step, epoch, batch_idx = self._pending
        self._pending = None
        if copied is not None:
            copied.synchronize()  # waits for that step's copy only, not for the kernels after it
        finite = bool(torch.isfinite(loss).all())
        if trainer.world_size > 1:  # every process stops, or the others would wait forever
            finite = trainer.strategy.reduce_boolean_decision(finite, all=True)
        if not finite:
            raise NonFiniteLossError(
                f"The training loss is {loss.float().mean().item()} at step {step} (epoch "
                f"{epoch}, batch {batch_idx}), so training stopped; no checkpoint holds the "
                "weights it produced. Lower the learning rate (model.optimizer.init_args.lr), "
                "look for NaN or infinite values in the data, or train in 32-true precision."
            )


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each checkpoint to a hidden file beside it, then renames it into place.

    A run killed while saving leaves the previous checkpoint whole. Lightning's own writer
    stages the file in the system temp folder: where that is another file system (a node's
    local /tmp, checkpoints on a network share) the final move is a copy, and a kill during it
    leaves a truncated checkpoint. Remote paths (``s3://...``) go to Lightning's writer.
    """

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any | None = None
    ) -> None:
        if "://" in str(path):
            super().save_checkpoint(checkpoint, path, storage_options)
            return
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        with partial.open("wb") as file:
            torch.save(checkpoint, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
