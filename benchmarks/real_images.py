"""Real images, not the demo's: handwritten digits, trained by default classification projects.

scikit-learn ships 1,797 scanned handwritten digits (8x8 pixels, 16 grey levels; the UCI
"optdigits" test set). They are written as 32x32 PNG files in the two classification layouts,
``imagefolder`` and ``csv``, with a fixed 1200/297/300 train/val/test split, and each layout's
default project is trained with ``python -m <package> fit`` and scored with ``test`` on the
held-out split twice: as configured (random horizontal flips) and with ``data.augment: []``
in an extra YAML file, nothing else changed. A mirrored 2, 3, 5 or 7 is not the same digit, so
the flip should cost accuracy here; turning it off through the configuration alone is what
the measurement shows.

    python -m benchmarks.real_images --json benchmarks/results.json
"""

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from sklearn.datasets import load_digits
from torchvision.io import write_png

from benchmarks.common import render_project
from scaffolder.project import package_env

SPLITS = {"train": range(0, 1200), "val": range(1200, 1497), "test": range(1497, 1797)}
EPOCHS = 15


def digit_images() -> tuple[torch.Tensor, np.ndarray]:
    """The digits as uint8 RGB images [N, 3, 32, 32] and their labels, in a fixed shuffle."""
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    grey = torch.from_numpy(digits.images[order] * (255 / 16)).round().to(torch.uint8)
    large = grey.repeat_interleave(4, dim=1).repeat_interleave(4, dim=2)  # 8 -> 32 pixels
    return large[:, None].expand(-1, 3, -1, -1).contiguous(), digits.target[order]


def write_dataset(root: Path, layout: str) -> None:
    images, labels = digit_images()
    for split, indices in SPLITS.items():
        rows = []
        for index in indices:
            name = f"digit_{labels[index]}"
            path = (
                Path(split) / name / f"{index:04d}.png"
                if layout == "imagefolder"
                else Path(split) / f"{index:04d}.png"
            )
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            write_png(images[index], str(root / path))
            rows.append((path.as_posix(), name))
        if layout == "csv":
            with (root / f"{split}.csv").open("w", newline="") as file:
                csv.writer(file).writerows([("image", "label"), *rows])


def train_and_test(project: Path, package: str, data: Path, extra: list[str]) -> dict:
    """Fit, then test the last checkpoint; the test accuracy and the training time."""
    common = [f"--data.data_dir={data}", "--data.image_size=32", *extra]
    fit = [sys.executable, "-m", package, "fit", "--config=configs/default.yaml", *common]
    fit += [f"--trainer.max_epochs={EPOCHS}", "--trainer.enable_progress_bar=false"]
    start = time.perf_counter()
    subprocess.run(fit, cwd=project, env=package_env(project), check=True, capture_output=True)
    seconds = time.perf_counter() - start
    run_dir = max(project.glob(f"logs/{package}/version_*"), key=lambda path: path.stat().st_mtime)
    test = [sys.executable, "-m", package, "test", "--config=configs/default.yaml", *common]
    test += [f"--ckpt_path={run_dir / 'checkpoints' / 'last.ckpt'}", "--trainer.logger=false"]
    result = subprocess.run(
        test, cwd=project, env=package_env(project), check=True, capture_output=True, text=True
    )
    # The test table's row: "│ test/acc │ 0.95666... │".
    accuracy = float(re.search(r"test/acc\W+([0-9.]+)", result.stdout).group(1))
    return {"test_acc": accuracy, "fit_seconds": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="add the results to this JSON file")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="real-images-") as tmp:
        for layout in ("imagefolder", "csv"):
            project = render_project(
                Path(tmp) / layout, task="classification", dataset_layout=layout
            )
            package = yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"]
            data = Path(tmp) / f"digits-{layout}"
            write_dataset(data, layout)
            no_flip = Path(tmp) / "no-flip.yaml"
            no_flip.write_text("data:\n  augment: []\n")
            for name, extra in (("flip", []), ("no_flip", [f"--config={no_flip}"])):
                results[f"{layout}/{name}"] = train_and_test(project, package, data, extra)
                print(f"{layout:12} {name:8} {results[f'{layout}/{name}']}", flush=True)
    if args.json:
        previous = json.loads(args.json.read_text()) if args.json.is_file() else {}
        previous["real_images"] = {"epochs": EPOCHS, **results}
        args.json.write_text(json.dumps(previous, indent=2) + "\n")


if __name__ == "__main__":
    main()
