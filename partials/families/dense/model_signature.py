        {{ linked[1] }}: list[str] | None = None,
        image_size: int | None = None,
        optimizer: OptimizerCallable = torch.optim.AdamW,
        scheduler: LRSchedulerCallable | None = None,
        compile: bool = False,
    ) -> None:
        super().__init__(optimizer, scheduler)
        self.save_configuration()