{% include 'partials/layouts/data_module_args.md' %}

    def __init__(
        self,
        data_dir: str = "data",
        augment: list[str | dict[str, Any]] | None = None,
        batch_size: int = 8,
        num_workers: int | None = None,
        predict_dir: str | None = None,
        skip_bad_samples: bool = False,
        allow_outside_paths: bool = False,
    ) -> None:
        super().__init__(
            data_dir=data_dir,
            batch_size=batch_size,
            num_workers=num_workers,
            predict_dir=Path(predict_dir or Path(data_dir, "{{ predict_default }}")),
            skip_bad_samples=skip_bad_samples,
            allow_outside_paths=allow_outside_paths,
            to_model_input=to_float,
            collate_fn=collate_detections,
        )
        self.augment = None if augment is None else build_augmentation(augment)