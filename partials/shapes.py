CLASSES = ("circle", "square", "triangle")
# Each split draws from its own seeded generator, so a split's images do not depend on the others.
SPLIT_SEEDS = {"train": 0, "val": 1, "test": 2}


def noisy_background(size: int, rng: np.random.Generator) -> np.ndarray:
    """A dark background of random colour with pixel noise; float RGB [size, size, 3]."""
    return rng.uniform(0.0, 0.5, 3) + 0.08 * rng.standard_normal((size, size, 3))


def shape_mask(
    shape: str, size: int, centre: tuple[float, float], radius: float, upright: bool = True
) -> np.ndarray:
    """Pixels inside a circle, square or triangle around ``centre``; bool [size, size]."""
    ys, xs = np.mgrid[:size, :size] + 0.5
    dx, dy = xs - centre[0], ys - centre[1]
    if shape == "circle":
        return dx**2 + dy**2 <= radius**2
    if shape == "square":
        half_side = 0.8 * radius
        return (np.abs(dx) <= half_side) & (np.abs(dy) <= half_side)
    if not upright:
        dy = -dy
    return (dy <= radius / 2) & (np.abs(dx) <= (dy + radius) / 3**0.5)


def paint(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fill the masked pixels with a random bright colour."""
    return np.where(mask[..., None], rng.uniform(0.5, 1.0, 3), image)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float RGB in [0, 1] to the uint8 pixels that ``write_png`` takes."""
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)


def write_png(pixels: np.ndarray, path: Path) -> None:
    """Save uint8 pixels, [H, W, 3] or [H, W], as a PNG."""
    Image.fromarray(pixels).save(path)
