Polygon = list[tuple[float, float]]
# A shape may hide at most this share of what is visible of each shape drawn before it.
MAX_HIDDEN = 1 / 3


def shape_outline(shape: str, centre: list[float], radius: float, upright: bool) -> Polygon:
    """The corners of ``shape_mask``'s shape, in pixels (a pixel's centre at +0.5); a circle is
    a 32-gon."""
    if shape == "circle":
        angles = np.arange(32) * (2 * np.pi / 32)
        offsets = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    elif shape == "square":
        offsets = 0.8 * radius * np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    else:
        # The apex a radius above the centre (below, upside down), the base half a radius below.
        offsets = radius * np.array([[0.0, -1.0], [3**0.5 / 2, 0.5], [-(3**0.5) / 2, 0.5]])
        if not upright:
            offsets[:, 1] *= -1
    return [(x, y) for x, y in (np.array(centre) + offsets).tolist()]


def signed_area(polygon: Polygon) -> float:
    """The shoelace formula: the area inside the polygon, its sign its orientation."""
    pairs = zip(polygon, polygon[1:] + polygon[:1], strict=True)
    return sum(x * y_next - x_next * y for (x, y), (x_next, y_next) in pairs) / 2


def half_plane(polygon: Polygon, start: tuple, end: tuple, side: float) -> Polygon:
    """The part of a convex polygon on one side (the sign of ``side``) of the line through
    ``start`` and ``end`` (Sutherland-Hodgman)."""
    (x1, y1), (x2, y2) = start, end
    kept = []
    for p, q in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        at_p = side * ((x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1))
        at_q = side * ((x2 - x1) * (q[1] - y1) - (y2 - y1) * (q[0] - x1))
        if at_p >= 0:
            kept.append(p)
        if at_p * at_q < 0:  # the edge crosses the line
            t = at_p / (at_p - at_q)
            kept.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return kept


def cut_away(pieces: list[Polygon], cover: Polygon) -> list[Polygon]:
    """What the convex polygon ``cover`` leaves visible of convex ``pieces``, as convex pieces:
    each edge of ``cover`` cuts off what lies beyond it, and the rest meets the next edge."""
    inside = 1.0 if signed_area(cover) > 0 else -1.0
    visible = []
    for piece in pieces:
        for start, end in zip(cover, cover[1:] + cover[:1], strict=True):
            beyond = half_plane(piece, start, end, -inside)
            if len(beyond) >= 3 and abs(signed_area(beyond)) > 1e-3:
                visible.append(beyond)
            piece = half_plane(piece, start, end, inside)
            if len(piece) < 3:
                break
    return visible


def draw_scene(
    size: int, num_shapes: int, rng: np.random.Generator, overlap: bool = False
) -> tuple[np.ndarray, np.ndarray, list[int], list[list[list[float]]]]:
    """Up to ``num_shapes`` shapes on a noisy background.

    Without ``overlap`` no two shapes, nor their boxes, overlap. With it a shape may be drawn
    over earlier ones, hiding up to ``MAX_HIDDEN`` of each. Returns the uint8 RGB image
    [size, size, 3], the boxes of what is visible of each shape [N, 4] (xyxy, on pixel edges),
    each shape's index into ``CLASSES``, and its visible outline as COCO writes a segmentation:
    polygons ``[x1, y1, x2, y2, ...]``, one unless the shape is partly hidden.
    """
    image = noisy_background(size, rng)
    masks = np.zeros((0, size, size), dtype=bool)  # what is visible of each shape
    classes: list[int] = []
    outlines: list[list[Polygon]] = []
    for _ in range(num_shapes):
        shape = int(rng.integers(len(CLASSES)))
        radius = rng.uniform(0.12, 0.22) * size
        centre = rng.uniform(radius, size - radius, 2).tolist()
        upright = rng.random() < 0.5
        mask = shape_mask(CLASSES[shape], size, centre, radius, upright)
        if len(masks):
            if overlap:
                left = (masks & ~mask).sum(axis=(1, 2)) / masks.sum(axis=(1, 2))
                apart = bool((left >= 1 - MAX_HIDDEN).all())
            else:
                apart = not boxes_overlap(bounding_boxes(mask[None])[0], bounding_boxes(masks))
            if not apart:
                continue  # it would overlap a shape already drawn, or hide too much of one
        image = paint(image, mask, rng)
        outline = shape_outline(CLASSES[shape], centre, radius, upright)
        if overlap:
            masks &= ~mask
            outlines = [cut_away(pieces, outline) for pieces in outlines]
        masks = np.concatenate([masks, mask[None]])
        classes.append(shape)
        outlines.append([outline])
    segmentations = [
        [[round(value, 2) for point in polygon for value in point] for polygon in pieces]
        for pieces in outlines
    ]
    return to_uint8(image), bounding_boxes(masks), classes, segmentations


def bounding_boxes(masks: np.ndarray) -> np.ndarray:
    """The boxes of masks [N, H, W]: xyxy, on the outer edges of their first and last pixels."""
    boxes = np.zeros((len(masks), 4))
    for box, mask in zip(boxes, masks, strict=True):
        ys, xs = np.nonzero(mask)
        box[:] = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    return boxes


def boxes_overlap(box: np.ndarray, boxes: np.ndarray) -> bool:
    """Whether ``box`` [4] shares any area with one of ``boxes`` [N, 4] (all xyxy)."""
    width = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    height = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return bool(((width > 0) & (height > 0)).any())