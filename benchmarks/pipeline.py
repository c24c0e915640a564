"""Input pipeline: the generated train loader vs ImageFolder + PIL + ToTensor, images per second.

Both read the same demo dataset from disk with the same augmentations (random resized crop and
horizontal flip, then normalisation), batch size and number of worker processes, and both end
with normalised float batches. The generated loader decodes with torchvision.io, augments and
batches uint8 tensors and keeps its workers between epochs; its data module normalises a batch
once it is on the device, here the CPU of the main process, and that step is timed with it. The
baseline is the classic torchvision recipe, which normalises in the workers. Loader workers run
one torch thread each (DataLoader's default); the main process, standing in for the GPU, gets
one too, so that neither side oversubscribes the cores its workers need.

``--image-size 224 --source-size 400 --jpeg`` measures what a GPU run on photos needs of the
loader: the demo images written at 400 px (about an ImageNet photo's size), re-encoded as JPEG
(quality 90) and cropped to 224 px, and each worker's images/s, which says how many workers
keep a GPU that trains N images/s fed.
"""

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from lightning.pytorch import Trainer
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from benchmarks.common import interleaved, ratio, record, render_project, timed, write_demo_data

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def epoch_rate(loader: DataLoader, on_device: Callable[[tuple, int], tuple]) -> float:
    """Images per second over one pass of the loader, each batch finished by ``on_device``."""
    return timed(lambda: sum(len(on_device(batch, 0)[0]) for batch in loader))


def unchanged(batch: tuple, dataloader_idx: int) -> tuple:
    return batch


def as_jpeg(data: Path) -> None:
    """Re-encode every PNG under ``data`` as a JPEG of quality 90, as photos come."""
    for png in data.rglob("*.png"):
        Image.open(png).convert("RGB").save(png.with_suffix(".jpg"), quality=90)
        png.unlink()


def main() -> None:
    """Measure both loaders over several interleaved epochs and report the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--source-size", type=int, help="size on disk (default: --image-size)")
    parser.add_argument("--jpeg", action="store_true", help="re-encode the images as JPEG")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)

    with tempfile.TemporaryDirectory() as scratch:
        project = render_project(Path(scratch) / "p", project_name="Pipeline Bench")
        source_size = args.source_size or args.image_size
        data = write_demo_data(project, "pipeline_bench", f"--image-size={source_size}")
        if args.jpeg:
            as_jpeg(data)
        from pipeline_bench.data import ImageFolderDataModule

        datamodule = ImageFolderDataModule(
            data_dir=str(data),
            image_size=args.image_size,
            batch_size=64,
            num_workers=args.workers,
        )
        datamodule.trainer = Trainer(accelerator="cpu", logger=False)
        datamodule.setup("fit")
        generated = datamodule.train_dataloader()
        generated_on_device = datamodule.on_after_batch_transfer
        baseline_set = datasets.ImageFolder(
            str(data / "train"),
            transform=transforms.Compose(
                [
                    transforms.RandomResizedCrop(args.image_size, scale=(0.6, 1.0)),
                    transforms.RandomHorizontalFlip(),
                    transforms.ToTensor(),
                    transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
                ]
            ),
        )
        baseline = DataLoader(baseline_set, batch_size=64, shuffle=True, num_workers=args.workers)
        rates = interleaved(
            {
                "generated": lambda: epoch_rate(generated, generated_on_device),
                "baseline": lambda: epoch_rate(baseline, unchanged),
            },
            args.rounds,
        )
    figures = {
        "generated_images_per_s": round(max(rates["generated"]), 1),
        "baseline_images_per_s": round(max(rates["baseline"]), 1),
        "ratio": round(ratio(rates, "generated", "baseline"), 2),
        "target": 1.5,
        "workers": args.workers,
        "generated_images_per_s_per_worker": round(max(rates["generated"]) / args.workers, 1),
        "image_size": args.image_size,
        "source_size": source_size,
        "format": "jpeg" if args.jpeg else "png",
        "main_process_threads": 1,
        "rounds": args.rounds,
    }
    print(
        f"Input pipeline ({source_size} px {figures['format'].upper()} cropped to "
        f"{args.image_size} px, {args.workers} workers): generated "
        f"{figures['generated_images_per_s']} images/s vs "
        f"ImageFolder+PIL {figures['baseline_images_per_s']} images/s: {figures['ratio']}x "
        "(target >= 1.5x)"
    )
    if args.json:
        default = args.image_size == source_size == 64 and not args.jpeg
        key = "input_pipeline" if default else "input_pipeline_photos"
        record(args.json, key, figures)


if __name__ == "__main__":
    main()
