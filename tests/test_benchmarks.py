"""The parts of the benchmarks that need neither a GPU nor a stopwatch."""

import subprocess
import sys

import pytest
import torch

from benchmarks.gpu import summarise
from benchmarks.table import rows
from tests.helpers import ROOT


def row(backbone: str, setting: str, images_per_s: float) -> dict:
    return {"backbone": backbone, "setting": setting, "images_per_s": images_per_s}


def test_gpu_summary_gives_speed_ups_over_32_true_per_backbone() -> None:
    rows = [
        row("blocks", "32-true", 100.0),
        row("blocks", "bf16-mixed", 250.0),
        row("blocks", "16-mixed", 190.0),
        row("blocks", "bf16-mixed + no channels_last", 200.0),
        row("blocks", "bf16-mixed + compile", 300.0),
        row("resnet18", "32-true", 50.0),
        row("resnet18", "bf16-mixed", 110.0),
        row("resnet18", "16-mixed", 120.0),
    ]
    summary = summarise(rows)
    assert summary["blocks"]["speed_up_over_32_true"] == {
        "32-true": 1.0,
        "bf16-mixed": 2.5,
        "16-mixed": 1.9,
        "bf16-mixed + no channels_last": 2.0,
        "bf16-mixed + compile": 3.0,
    }
    assert summary["blocks"]["mixed_precision_within_target"] is False  # 16-mixed: 1.9x
    assert summary["blocks"]["compile_speed_up_at_bf16_mixed"] == 1.2
    assert summary["blocks"]["channels_last_speed_up_at_bf16_mixed"] == 1.25
    assert summary["resnet18"]["mixed_precision_within_target"] is True
    assert "compile_speed_up_at_bf16_mixed" not in summary["resnet18"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is there: it would run")
def test_gpu_bench_without_a_gpu_says_so_in_one_sentence() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.gpu"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "gpu-bench needs a CUDA GPU, and torch sees none (torch.cuda.is_available())."
    )


def test_table_has_a_row_per_recorded_figure_and_says_which_miss_their_target() -> None:
    results = {
        "loop_overhead": {"classification": {"ratio": 1.02, "target": 0.95}},
        "input_pipeline": {"ratio": 1.4, "target": 1.5},
        "cli_startup": {"scaffold_help_s": 0.41, "target_s": 0.5, "within_target": True},
        "time_to_first_step": {
            "total": 16.2,
            "hand_written_floor": 9.1,
            "target_s": 15.0,
            "within_target": False,
        },
    }
    update = {"ratio_median": 1.05, "target_ratio": 1.2, "within_target": True}
    assert rows(results, update) == [
        ("loop overhead, classification (generated / plain steps/s)", "1.02x", ">= 0.95x", True),
        ("input pipeline (generated / ImageFolder+PIL images/s)", "1.40x", ">= 1.5x", False),
        ("scaffold update / copier update (s)", "1.05x", "<= 1.2x", True),
        ("scaffold --help (s)", "0.41 s", "< 0.5 s", True),
        (
            "time to first step: new + demo data + 1 step (s)",
            "16.2 s (hand-written: 9.1 s)",
            "< 15 s",
            False,
        ),
    ]
