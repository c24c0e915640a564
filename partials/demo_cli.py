def write_demo_dataset(
    root: Path,
    *,
    train_images: int = SPLIT_SIZES["train"],
    val_images: int = SPLIT_SIZES["val"],
    test_images: int = SPLIT_SIZES["test"],
    image_size: int = IMAGE_SIZE,
    seed: int = 0,
) -> int:
    """Write every split; returns the number of images written."""
    counts = {"train": train_images, "val": val_images, "test": test_images}
    for split, count in counts.items():
        rng = np.random.default_rng(seed * 1000 + SPLIT_SEEDS[split])
        write_split(root, split, count, image_size, rng)
    return sum(counts.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder to write the dataset into")
    for split, count in SPLIT_SIZES.items():
        parser.add_argument(f"--{split}-images", type=int, default=count)
    parser.add_argument("--image-size", type=int, default=IMAGE_SIZE)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    written = write_demo_dataset(
        args.root,
        train_images=args.train_images,
        val_images=args.val_images,
        test_images=args.test_images,
        image_size=args.image_size,
        seed=args.seed,
    )
    print(f"Wrote {written} images to {args.root}")


if __name__ == "__main__":
    main()
