"""The model summary printed when training starts."""

from typing import Any

from lightning.pytorch.callbacks import RichModelSummary
from lightning.pytorch.utilities.model_summary import get_human_readable_count
from rich import get_console
from rich.table import Table


class ModelSummary(RichModelSummary):
    """Lightning's table of the model's layers and parameters, without its FLOPs.

    Lightning counts FLOPs only by running the module's ``example_input_array``, which these
    models do not set: its FLOPs column and total would read 0.
    """

    @staticmethod
    def summarize(
        summary_data: list[tuple[str, list[str]]],
        total_parameters: int,
        trainable_parameters: int,
        model_size: float,
        total_training_modes: dict[str, int],
        total_flops: int,
        **summarize_kwargs: Any,
    ) -> None:
        columns = [(name, values) for name, values in summary_data if name != "FLOPs"]
        table = Table(header_style="bold magenta")
        for name, _ in columns:
            table.add_column(name, justify="right" if name.startswith("Params") else "left")
        for row in zip(*(values for _, values in columns), strict=True):
            table.add_row(*row)
        console = get_console()
        console.print(table)
        trainable = get_human_readable_count(trainable_parameters).strip()
        frozen = get_human_readable_count(total_parameters - trainable_parameters).strip()
        console.print(f"Parameters: {trainable} trainable, {frozen} frozen ({model_size:.1f} MB)")
        modes = total_training_modes
        console.print(f"Modules: {modes['train']} in train mode, {modes['eval']} in eval mode")
