# A polygon is drawn this many times finer than the image, then averaged down to pixels: a pixel
# is in the mask when at least half of it lies inside the polygon, much as pycocotools decides.
POLYGON_SUPERSAMPLING = 8


def check_segmentation(annotation: dict, image: dict, where: str) -> list | dict:
    """The annotation's ``segmentation``, if it is a list of polygons or an RLE of its image."""
    segmentation = annotation.get("segmentation")
    if isinstance(segmentation, dict):
        known = [image.get("height"), image.get("width")]
        size_fits = segmentation.get("size") == known or None in known
        if isinstance(segmentation.get("counts"), (list, str)) and size_fits:
            return segmentation
    elif isinstance(segmentation, list) and segmentation:
        if all(isinstance(p, list) and len(p) >= 6 and len(p) % 2 == 0 for p in segmentation):
            return segmentation
    raise ValueError(
        f"{where}: annotation {annotation.get('id')} has segmentation {str(segmentation)[:80]}; "
        "expected polygons [[x1, y1, x2, y2, x3, y3, ...], ...] in pixels, or an RLE with "
        f"counts and the size [height, width] of its image {image['file_name']}."
    )


def decode_segmentation(segmentation: list | dict, height: int, width: int) -> torch.Tensor:
    """A checked ``segmentation`` as a uint8 mask [height, width] (1 inside, 0 outside)."""
    if isinstance(segmentation, list):
        return polygons_to_mask(segmentation, height, width)
    counts = segmentation["counts"]
    if isinstance(counts, str):
        counts = rle_string_to_counts(counts)
    return counts_to_mask(counts, height, width)


def polygons_to_mask(polygons: list[list[float]], height: int, width: int) -> torch.Tensor:
    """Rasterise polygons ``[x1, y1, x2, y2, ...]`` (pixel ``(x, y)`` spans ``[x, x + 1)``) with
    Pillow, all on one canvas over their box: a pixel split between two pieces of an object
    counts whole."""
    scale = POLYGON_SUPERSAMPLING
    mask = torch.zeros(height, width, dtype=torch.uint8)
    xs = [x for polygon in polygons for x in polygon[0::2]]
    ys = [y for polygon in polygons for y in polygon[1::2]]
    left, top = max(math.floor(min(xs)), 0), max(math.floor(min(ys)), 0)
    right, bottom = min(math.ceil(max(xs)), width), min(math.ceil(max(ys)), height)
    if right <= left or bottom <= top:
        return mask  # outside the image
    canvas = Image.new("L", ((right - left) * scale, (bottom - top) * scale))
    draw = ImageDraw.Draw(canvas)
    for polygon in polygons:
        corners = zip(polygon[0::2], polygon[1::2], strict=True)
        draw.polygon([((x - left) * scale, (y - top) * scale) for x, y in corners], fill=255)
    coverage = canvas.resize((right - left, bottom - top), Image.Resampling.BOX)
    pixels = torch.frombuffer(bytearray(coverage.tobytes()), dtype=torch.uint8)
    mask[top:bottom, left:right] = (pixels >= 128).view(bottom - top, right - left)
    return mask


def counts_to_mask(counts: list[int], height: int, width: int) -> torch.Tensor:
    """An uncompressed RLE's mask: runs of 0 and of 1 in turn, first 0, down each column."""
    values = torch.arange(len(counts), dtype=torch.uint8) % 2
    pixels = torch.repeat_interleave(values, torch.tensor(counts, dtype=torch.int64))
    if len(pixels) != height * width:
        raise ValueError(f"RLE counts sum to {len(pixels)} pixels, not {height}x{width}.")
    return pixels.view(width, height).T.contiguous()


def rle_string_to_counts(text: str) -> list[int]:
    """The run lengths of a compressed RLE string (pycocotools' ``rleFrString``).

    Each count is written in groups of 5 bits, lowest first, one character per group (its code
    minus 48); a set sixth bit says another group follows, and the last group's fifth bit is the
    sign. From the third count on, each is stored as its difference from the one two before.
    """
    counts: list[int] = []
    position = 0
    while position < len(text):
        value = shift = 0
        more = True
        while more:
            group = ord(text[position]) - 48
            position += 1
            value |= (group & 0x1F) << shift
            shift += 5
            more = bool(group & 0x20)
        if group & 0x10:
            value -= 1 << shift  # negative
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts