def pooled_head(channels: int, outputs: int, dropout: float) -> nn.Sequential:
    """Feature maps [B, channels, h, w] averaged over space, to ``outputs`` values per image."""
    return nn.Sequential(
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels, outputs)
    )