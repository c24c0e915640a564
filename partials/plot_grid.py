# An image as uint8 [3, H, W] and its title.
Panel = tuple[torch.Tensor, str]
GRID_COLUMNS = 4


def plot_grid(panels: list[Panel], title: str) -> Figure:
    """Images in rows of ``GRID_COLUMNS``, each with its title."""
    rows = math.ceil(len(panels) / GRID_COLUMNS)
    figure = Figure(figsize=(2.5 * GRID_COLUMNS, 2.8 * rows), layout="constrained")
    figure.suptitle(title)
    for axes in figure.subplots(rows, GRID_COLUMNS, squeeze=False).flat:
        axes.set_axis_off()
    # The last row may have empty cells.
    for axes, (image, panel_title) in zip(figure.axes, panels, strict=False):
        axes.imshow(image.permute(1, 2, 0).numpy())
        axes.set_title(panel_title, fontsize=8)
    return figure


def predict(
    model: nn.Module, datamodule: LightningDataModule, indices: list[int]
) -> tuple[list, list, list]:
    """The validation images (uint8) at ``indices``, their targets and the model's outputs."""
    loader = datamodule.val_dataloader()
    examples = DataLoader(
        Subset(loader.dataset, indices), batch_size=loader.batch_size, collate_fn=loader.collate_fn
    )
    images, targets, outputs = [], [], []
    with torch.no_grad():
        for batch_images, batch_targets in examples:
            images.extend(batch_images)
            targets.extend(batch_targets)
            outputs.extend(model(datamodule.to_model_input(batch_images)))
    return images, targets, outputs