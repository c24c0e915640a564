def shape_outline(shape: str, centre: list[float], radius: float, upright: bool) -> list[float]:
    """The outline of ``shape_mask``'s shape as a COCO polygon, ``[x1, y1, x2, y2, ...]`` in
    pixels (a pixel's centre at +0.5); a circle is a 32-gon."""
    if shape == "circle":
        angles = torch.arange(32) * (2 * torch.pi / 32)
        offsets = radius * torch.stack([angles.cos(), angles.sin()], dim=1)
    elif shape == "square":
        offsets = 0.8 * radius * torch.tensor([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    else:
        # The apex a radius above the centre (below, upside down), the base half a radius below.
        offsets = radius * torch.tensor([[0.0, -1.0], [3**0.5 / 2, 0.5], [-(3**0.5) / 2, 0.5]])
        if not upright:
            offsets[:, 1] *= -1
    points = torch.tensor(centre) + offsets
    return [round(value, 2) for value in points.flatten().tolist()]


def draw_scene(
    size: int, num_shapes: int, generator: torch.Generator, max_box_iou: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor, list[int], list[list[float]]]:
    """Up to ``num_shapes`` shapes on a noisy background, no two sharing a pixel.

    Two boxes overlap by an IoU of at most ``max_box_iou``; at 0, the default, they do not
    overlap at all. Returns the uint8 RGB image [3, size, size], the boxes [N, 4] (xyxy, on pixel
    edges), each shape's index into ``CLASSES`` and its outline (``shape_outline``).
    """
    image = noisy_background(size, generator)
    boxes = torch.zeros(0, 4)
    covered = torch.zeros(size, size, dtype=torch.bool)
    classes: list[int] = []
    outlines: list[list[float]] = []
    for _ in range(num_shapes):
        shape = int(torch.randint(len(CLASSES), (1,), generator=generator))
        radius = float(uniform(generator, 0.12, 0.22)) * size
        centre = uniform(generator, radius, size - radius, 2).tolist()
        upright = float(uniform(generator, 0.0, 1.0)) < 0.5
        mask = shape_mask(CLASSES[shape], size, centre, radius, upright)
        # masks_to_boxes gives the last pixel inside; the box ends on that pixel's far edge.
        box = masks_to_boxes(mask[None]) + torch.tensor([0.0, 0.0, 1.0, 1.0])
        if len(boxes) and (box_iou(box, boxes).max() > max_box_iou or (mask & covered).any()):
            continue  # it would overlap a shape already drawn
        image = paint(image, mask, generator)
        covered |= mask
        boxes = torch.cat([boxes, box])
        classes.append(shape)
        outlines.append(shape_outline(CLASSES[shape], centre, radius, upright))
    return to_uint8(image), boxes, classes, outlines