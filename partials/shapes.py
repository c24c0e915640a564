CLASSES = ("circle", "square", "triangle")
# Each split draws from its own seeded generator, so a split's images do not depend on the others.
SPLIT_SEEDS = {"train": 0, "val": 1, "test": 2}


def uniform(generator: torch.Generator, low: float, high: float, *dims: int) -> torch.Tensor:
    """Uniform samples in [low, high), of shape ``dims`` (one sample when no dims are given)."""
    return low + (high - low) * torch.rand(dims or (1,), generator=generator)


def noisy_background(size: int, generator: torch.Generator) -> torch.Tensor:
    """A dark background of random colour with pixel noise; float RGB [3, size, size]."""
    return uniform(generator, 0.0, 0.5, 3, 1, 1) + 0.08 * torch.randn(
        3, size, size, generator=generator
    )


def shape_mask(
    shape: str, size: int, centre: tuple[float, float], radius: float, upright: bool = True
) -> torch.Tensor:
    """Pixels inside a circle, square or triangle around ``centre``; bool [size, size]."""
    ys, xs = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    dx, dy = xs - centre[0], ys - centre[1]
    if shape == "circle":
        return dx**2 + dy**2 <= radius**2
    if shape == "square":
        half_side = 0.8 * radius
        return (dx.abs() <= half_side) & (dy.abs() <= half_side)
    if not upright:
        dy = -dy
    return (dy <= radius / 2) & (dx.abs() <= (dy + radius) / 3**0.5)


def paint(image: torch.Tensor, mask: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Fill the masked pixels with a random bright colour."""
    return torch.where(mask, uniform(generator, 0.5, 1.0, 3, 1, 1), image)


def to_uint8(image: torch.Tensor) -> torch.Tensor:
    """Float RGB in [0, 1] to the uint8 tensor that ``write_png`` takes."""
    # Adding 0.5 and truncating rounds these non-negative values; Tensor.round() takes a few
    # milliseconds per image on a busy CPU, where this takes a tenth of one.
    return (image.clamp(0, 1) * 255 + 0.5).to(torch.uint8)


def write_png(image: torch.Tensor, path: Path) -> None:
    """Save uint8 pixels [C, H, W] (C is 1 or 3) as a PNG, with Pillow rather than torchvision:
    importing torchvision takes seconds, and its image encoders are deprecated."""
    Image.fromarray(image.permute(1, 2, 0).squeeze(2).numpy()).save(path)
