# The tracers follow one example batch through the model, drawn from a seed of its own: what the
# export writes does not depend on the random state of the process that runs it.
EXAMPLE_BATCH_SIZE = 2
# The parity check runs a batch of another size, so that it also checks the free batch axis.
CHECK_BATCH_SIZE = 3


def metadata(model: {{ model_class }}) -> dict[str, str]:
    """What whoever runs the file needs besides it: the task, the names of the outputs, and how
    to prepare an image (``resize``, scale to [0, 1], subtract ``mean`` and divide by ``std``,
    per RGB channel)."""
    hparams = model.hparams
    return {
        "task": "{{ task }}",
        "{{ linked[1] }}": json.dumps(hparams.get("{{ linked[1] }}")),
        "image_size": json.dumps(hparams.get("image_size")),
{%- if task in ['classification', 'multilabel'] %}
        "resize": "the short side to image_size, then a centred square crop",
{%- else %}
        "resize": "to image_size x image_size",
{%- endif %}
        "mean": json.dumps(IMAGENET_MEAN),
        "std": json.dumps(IMAGENET_STD),
{%- if task == 'multilabel' %}
        "threshold": json.dumps(model.threshold),
{%- elif task == 'segmentation' %}
        "ignore_index": json.dumps(hparams.ignore_index),
{%- endif %}
    }


def example_images(config: dict, batch_size: int) -> torch.Tensor:
    """Random images shaped like the model's input, the same on every run."""
    image_size = config["data"]["image_size"]
    generator = torch.Generator().manual_seed(0)
    return torch.randn(batch_size, 3, image_size, image_size, generator=generator)


def export_onnx(model: {{ model_class }}, images: torch.Tensor, path: Path) -> None:
    """Write the model as ONNX, with a dynamic batch axis."""
    output = "{{ tasks[task].output }}"
    torch.onnx.export(
        model,
        (images,),
        str(path),
        dynamo=False,
        opset_version=17,
        input_names=["images"],
        output_names=[output],
        dynamic_axes={"images": {0: "batch"}, output: {0: "batch"}},
    )
    store_onnx_metadata(path, metadata(model))


def export_torchscript(model: {{ model_class }}, images: torch.Tensor, path: Path) -> None:
    """Write the model as traced TorchScript."""
    # TorchScript cannot trace a LightningModule itself (its trainer property raises outside a
    # Trainer), so torch.fx first copies out the forward pass and the layers it uses.
    network = torch.fx.symbolic_trace(model)
    torch.jit.trace(network, images).save(str(path), _extra_files=torchscript_extra_files(model))


def run_exported(path: Path, file_format: str, images: torch.Tensor) -> torch.Tensor:
    """What the written file computes for the images, run as a user would run it."""
    if file_format == "torchscript":
        return torch.jit.load(str(path))(images)
    import onnxruntime  # of the export extra; loading a model for the report needs none of it

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    [outputs] = session.run(None, {"images": images.numpy()})
    return torch.from_numpy(outputs)


def write(model: {{ model_class }}, path: Path, file_format: str, config: dict) -> None:
    """Write the model in ``file_format``, traced on an example batch."""
    images = example_images(config, EXAMPLE_BATCH_SIZE)
    if file_format == "onnx":
        export_onnx(model, images, path)
    else:
        export_torchscript(model, images, path)


def check(model: {{ model_class }}, path: Path, file_format: str, config: dict) -> str:
    """Run the written file on a random batch; say how far it is from the model's output."""
    images = example_images(config, CHECK_BATCH_SIZE)
    exported, expected = run_exported(path, file_format, images), model(images)
    difference = (exported - expected).abs().max().item()
    largest = expected.abs().max().item()
    return (
        f"{len(images)} random images: max |difference| {difference:.1e} "
        f"(outputs up to {largest:.1f})"
    )