        batch_size: Images per batch on each device.
        num_workers: Loader processes per device; 0 loads in the main process, None shares the
            CPU cores among the devices (at most 8 each).
        predict_dir: Folder of images for ``predict``; defaults to ``data_dir/{{ predict_default }}``.
        skip_bad_samples: Skip images that cannot be read (missing, truncated, not an
            image) with a warning; False stops at the first with an error naming it.
    """

    def __init__(
        self,
        data_dir: str = "data",
        batch_size: int = 8,
        num_workers: int | None = None,
        predict_dir: str | None = None,
        skip_bad_samples: bool = False,
    ) -> None:
        super().__init__(
            data_dir=data_dir,
            batch_size=batch_size,
            num_workers=num_workers,
            predict_dir=Path(predict_dir or Path(data_dir, "{{ predict_default }}")),
            skip_bad_samples=skip_bad_samples,
            to_model_input=to_float,
            collate_fn=collate_detections,
        )