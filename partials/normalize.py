class Normalize:
    """uint8 images [B, 3, H, W] to float32, normalised per channel, on the images' device.

    ``(image / 255 - mean) / std`` for each channel, in one multiply-add.
    """

    def __init__(
        self, *, mean: tuple[float, ...] = IMAGENET_MEAN, std: tuple[float, ...] = IMAGENET_STD
    ) -> None:
        std_per_channel = torch.tensor(std).view(-1, 1, 1)
        self.scale = 1 / (255 * std_per_channel)
        self.shift = -torch.tensor(mean).view(-1, 1, 1) / std_per_channel

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if self.scale.device != images.device:
            # Moved once, to the device of the first batch, rather than on every batch.
            self.scale, self.shift = self.scale.to(images.device), self.shift.to(images.device)
        return torch.addcmul(self.shift, images.float(), self.scale)