# The tracers follow one example through the model, drawn from a seed of its own: what the export
# writes does not depend on the random state of the process that runs it.
EXAMPLE_IMAGE_SIZE = 256
# The parity check runs one image of another shape, as a user's would be.
CHECK_IMAGE_SHAPE = (3, 192, 160)
Detections = dict[str, torch.Tensor]
# What the detector returns per image, in the order of the ONNX outputs.
{%- if detector_family == 'Mask R-CNN' %}
OUTPUTS = ("boxes", "labels", "scores", "masks")
{%- else %}
OUTPUTS = ("boxes", "labels", "scores")
{%- endif %}


def metadata(model: {{ model_class }}) -> dict[str, str]:
    """What whoever runs the file needs besides it: the task, and the class of each label (label
    ``l`` is ``class_names[l - 1]``, with the dataset's id ``category_ids[l - 1]``)."""
    hparams = model.hparams
    return {
        "task": "{{ task }}",
        "class_names": json.dumps(hparams.get("class_names")),
        "category_ids": json.dumps(hparams.get("category_ids")),
        "input": "one RGB image, float32 [3, H, W] in [0, 1]: the model resizes and normalises it",
    }


class SingleImageDetector(nn.Module):
    """The detector for one image, with its {{ 'boxes, labels, scores and masks' if detector_family == 'Mask R-CNN' else 'boxes, labels and scores' }} as a tuple for ONNX."""

    def __init__(self, detector: nn.Module) -> None:
        super().__init__()
        self.detector = detector

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        detections = self.detector([image])[0]
        return tuple(detections[name] for name in OUTPUTS)


def export_onnx(model: {{ model_class }}, path: Path) -> None:
    """Write the detector as ONNX: one image of any size in, its detections out."""
    generator = torch.Generator().manual_seed(0)
    example = torch.rand(3, EXAMPLE_IMAGE_SIZE, EXAMPLE_IMAGE_SIZE, generator=generator)
    dynamic_axes = {"image": {1: "height", 2: "width"}}
    dynamic_axes |= {name: {0: "detections"} for name in OUTPUTS}
{%- if detector_family == 'Mask R-CNN' %}
    dynamic_axes["masks"] |= {2: "height", 3: "width"}
{%- endif %}
    torch.onnx.export(
        SingleImageDetector(model.detector).eval(),
        (example,),
        str(path),
        dynamo=False,
        opset_version=17,
        input_names=["image"],
        output_names=list(OUTPUTS),
        dynamic_axes=dynamic_axes,
    )
    store_onnx_metadata(path, metadata(model))


def export_torchscript(model: {{ model_class }}, path: Path) -> None:
    """Write torchvision's scripted detector: a list of images in, ``(losses, detections)`` out."""
    scripted = torch.jit.script(model.detector)
    scripted.save(str(path), _extra_files=torchscript_extra_files(model))


def run_exported(path: Path, file_format: str, image: torch.Tensor) -> Detections:
    """What the written file detects in the image, run as a user would run it."""
    if file_format == "torchscript":
        _, [detections] = torch.jit.load(str(path))([image])
        return detections
    import onnxruntime  # of the export extra; loading a model for the report needs none of it

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"image": image.numpy()})
    return dict(zip(OUTPUTS, map(torch.from_numpy, outputs), strict=True))


def parity(exported: Detections, expected: Detections) -> str:
    """How far the export's detections are from the model's, both ordered by score."""
    count = min(len(exported["scores"]), len(expected["scores"]))
    if count == 0:
        return f"{len(exported['scores'])} and {len(expected['scores'])} detections to compare"
    scores = (exported["scores"][:count] - expected["scores"][:count]).abs().max().item()
    boxes = (exported["boxes"][:count] - expected["boxes"][:count]).abs().max().item()
{%- if detector_family == 'Mask R-CNN' %}
    masks = (exported["masks"][:count] - expected["masks"][:count]).abs().max().item()
    return (
        f"{len(exported['scores'])} detections (the model: {len(expected['scores'])}), "
        f"max |difference| {scores:.1e} in scores, {boxes:.1e} pixels in boxes, {masks:.1e} "
        "in mask probabilities"
    )
{%- else %}
    return (
        f"{len(exported['scores'])} detections (the model: {len(expected['scores'])}), "
        f"max |difference| {scores:.1e} in scores, {boxes:.1e} pixels in boxes"
    )
{%- endif %}


def write(model: {{ model_class }}, path: Path, file_format: str, config: dict) -> None:
    """Write the detector in ``file_format``."""
    if file_format == "onnx":
        export_onnx(model, path)
    else:
        export_torchscript(model, path)


def check(model: {{ model_class }}, path: Path, file_format: str, config: dict) -> str:
    """Run the written file on a random image; say how far its detections are from the model's."""
    image = torch.rand(CHECK_IMAGE_SHAPE, generator=torch.Generator().manual_seed(0))
    [expected] = model([image])
    shape = "x".join(map(str, CHECK_IMAGE_SHAPE))
    return f"a random {shape} image: {parity(run_exported(path, file_format, image), expected)}"