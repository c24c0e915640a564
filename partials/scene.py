def draw_scene(
    size: int, num_shapes: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """Up to ``num_shapes`` shapes whose boxes do not overlap, on a noisy background.

    Returns the uint8 RGB image [3, size, size], the boxes [N, 4] (xyxy, on pixel edges) and
    each shape's index into ``CLASSES``.
    """
    image = noisy_background(size, generator)
    boxes = torch.zeros(0, 4)
    classes: list[int] = []
    for _ in range(num_shapes):
        shape = int(torch.randint(len(CLASSES), (1,), generator=generator))
        radius = float(uniform(generator, 0.12, 0.22)) * size
        centre = uniform(generator, radius, size - radius, 2).tolist()
        upright = float(uniform(generator, 0.0, 1.0)) < 0.5
        mask = shape_mask(CLASSES[shape], size, centre, radius, upright)
        # masks_to_boxes gives the last pixel inside; the box ends on that pixel's far edge.
        box = masks_to_boxes(mask[None]) + torch.tensor([0.0, 0.0, 1.0, 1.0])
        if len(boxes) and box_iou(box, boxes).max() > 0:
            continue  # it would overlap a shape already drawn
        image = paint(image, mask, generator)
        boxes = torch.cat([boxes, box])
        classes.append(shape)
    return to_uint8(image), boxes, classes