"""The segmentation project: demo data in its layout, a short fit, and predict's mask PNGs."""

import csv
import shutil
from pathlib import Path

import pytest
import torch
from torchvision.io import ImageReadMode, decode_image, write_jpeg

from tests.helpers import render, run_project_python

PACKAGE = "shapes_segmenter"
FAST = [
    "--config=configs/default.yaml",
    "--data.image_size=32",
    "--data.batch_size=4",
    "--data.num_workers=0",
    "--trainer.log_every_n_steps=1",
    "--trainer.enable_progress_bar=false",
]


@pytest.mark.slow
def test_demo_data_fit_and_predict_masks(tmp_path: Path) -> None:
    project = render(tmp_path / "segmenter", task="segmentation", project_name="Shapes Segmenter")
    demo = run_project_python(
        project,
        "-m",
        f"{PACKAGE}.demo_data",
        "data",
        "--train-images=8",
        "--val-images=4",
        "--test-images=4",
        "--image-size=32",
    )
    assert demo.returncode == 0, demo.stderr
    for split, count in [("train", 8), ("val", 4), ("test", 4)]:
        images = sorted(path.name for path in (project / "data" / split / "images").iterdir())
        masks = sorted(path.name for path in (project / "data" / split / "masks").iterdir())
        assert images == masks == [f"{index:04d}.png" for index in range(count)]
    mask = decode_image(str(project / "data/train/masks/0000.png"), mode=ImageReadMode.UNCHANGED)
    assert mask.shape == (1, 32, 32)
    assert set(mask.unique().tolist()) <= {0, 1, 2, 3, 255}
    assert len(mask.unique()) >= 3  # background, a shape and its "don't care" outline

    fit = run_project_python(project, "-m", PACKAGE, "fit", *FAST, "--trainer.max_epochs=1")
    assert fit.returncode == 0, fit.stderr[-3000:]
    version = project / "logs" / PACKAGE / "version_0"
    rows = list(csv.DictReader((version / "metrics.csv").open()))
    logged = {key for row in rows for key, value in row.items() if value}
    assert {"train/loss", "val/miou", "val/dice", "val/miou_best"} <= logged
    checkpoint = version / "checkpoints" / "last.ckpt"
    assert torch.load(checkpoint, weights_only=False)["global_step"] == 2  # 8 images, batch 4

    # Predict on a folder with a subfolder and a non-square JPEG: masks mirror the paths and
    # keep each image's own size.
    images = project / "to_predict"
    (images / "nested").mkdir(parents=True)
    shutil.copy(project / "data/test/images/0000.png", images / "0000.png")
    write_jpeg(
        torch.randint(0, 256, (3, 24, 40), dtype=torch.uint8), str(images / "nested/wide.jpg")
    )
    predict = run_project_python(
        project,
        "-m",
        PACKAGE,
        "predict",
        *FAST,
        f"--ckpt_path={checkpoint}",
        f"--data.predict_dir={images}",
    )
    assert predict.returncode == 0, predict.stderr[-3000:]
    output = project / "predictions"
    written = sorted(path.relative_to(output).as_posix() for path in output.rglob("*.png"))
    assert written == ["0000.png", "nested/wide.png"]
    for name, size in [("0000.png", (32, 32)), ("nested/wide.png", (24, 40))]:
        predicted = decode_image(str(output / name), mode=ImageReadMode.UNCHANGED)
        assert predicted.shape == (1, *size)
        assert predicted.dtype == torch.uint8
        assert predicted.max() < 4  # class indices of background, circle, square, triangle
