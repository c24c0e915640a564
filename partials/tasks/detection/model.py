"""Object detector: a torchvision detection model, its own losses and its post-processing."""

import torch
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from torchmetrics.detection import MeanAveragePrecision
from torchvision.models import get_model

from {{ package_name }}.base import DetectorModel

# The scalars of MeanAveragePrecision's result that are logged (the rest are per-class tensors).
LOGGED_METRICS = ("map", "map_50", "map_75", "mar_100")
{%- if detector_family in ['RetinaNet', 'FCOS'] %}


class Float32Conv2d(torch.nn.Conv2d):
    """A convolution that the CPU's bfloat16 autocast leaves in float32.

    On a CPU with AVX512-BF16, the bfloat16 weight gradient of a stride-2 convolution over a
    feature map one pixel wide reads memory that it never wrote (oneDNN 3.12, torch 2.14): the
    kernel's off-centre taps get garbage, often NaN or inf, in bf16-mixed and in 16-mixed
    (bf16-mixed on a CPU). The FPN's P6 and P7 convolutions meet such maps whenever the padded
    batch is at most 64 pixels wide: a narrow image at the default size, or the tests' 64-pixel
    images. Their maps are a few pixels, so float32 costs nothing there; a GPU's autocast still
    applies.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", enabled=False):
            return self._conv_forward(input.float(), self.weight, self.bias)
{%- endif %}


class Detector(DetectorModel):
    """A torchvision detector; label 0 is the background, the classes are labels 1..num_classes.

    Logs each of the detector's own losses (``train/loss_classifier``, ...) and their sum
    (``train/loss``), and COCO-style mAP on validation and test (``val/map``, ``val/map_50``, ...).

    Args:
        num_classes: Number of object classes, without the background; linked from the data module.
        name: A torchvision {{ detector_family }} builder, such as ``{{ detector }}``.
        weights_backbone: ImageNet weights for the backbone, such as ``IMAGENET1K_V1``. The
            default, None, starts from random weights and never touches the network.
{%- if detector_family != 'SSDlite' %}
        min_size: The detector scales each image so that its short side is ``min_size`` pixels...
        max_size: ... unless that makes the long side exceed ``max_size`` pixels.
{%- else %}
        image_size: The detector resizes each image to ``image_size`` pixels square (its
            builder's 320 by default).
{%- endif %}
{% include 'partials/families/detector/model_args.md' %}
    """

    def __init__(
        self,
        num_classes: int,
        name: str = "{{ detector }}",
        weights_backbone: str | None = None,
{%- if detector_family != 'SSDlite' %}
        min_size: int = {{ detector_size }},
        max_size: int = {{ detector_size }},
{%- else %}
        image_size: int = 320,
{%- endif %}
        score_threshold: float = 0.05,
        nms_threshold: float = 0.5,
        detections_per_image: int = 100,
{%- if detector_family == 'Faster R-CNN' %}
        proposals_per_image: int = 100,
        sampled_proposals_per_image: int = 64,
{%- endif %}
        predict_score_threshold: float = 0.5,
        predict_nms_threshold: float = 0.5,
        class_names: list[str] | None = None,
        category_ids: list[int] | None = None,
        optimizer: OptimizerCallable = torch.optim.AdamW,
        scheduler: LRSchedulerCallable | None = None,
        compile: bool = False,
    ) -> None:
        super().__init__(optimizer, scheduler)
        self.save_configuration()
        self.detector = get_model(
            name,
            weights=None,
            weights_backbone=weights_backbone,
            num_classes=num_classes + 1,  # and the background, label 0
{%- if detector_family != 'SSDlite' %}
            min_size=min_size,
            max_size=max_size,
{%- endif %}
{%- if detector_family == 'Faster R-CNN' %}
            box_score_thresh=score_threshold,
            box_nms_thresh=nms_threshold,
            box_detections_per_img=detections_per_image,
            rpn_post_nms_top_n_train=proposals_per_image,
            rpn_post_nms_top_n_test=proposals_per_image,
            box_batch_size_per_image=sampled_proposals_per_image,
{%- else %}
            score_thresh=score_threshold,
            nms_thresh=nms_threshold,
            detections_per_img=detections_per_image,
{%- endif %}
        )
{%- if detector_family in ['RetinaNet', 'FCOS'] %}
        # P6 and P7 change class, not weights: checkpoints keep their keys (see Float32Conv2d).
        extra_levels = self.detector.backbone.fpn.extra_blocks
        for conv in (extra_levels.p6, extra_levels.p7):
            conv.__class__ = Float32Conv2d
{%- endif %}
{%- if detector_family == 'SSDlite' %}
        # The builder fixes the size at 320; the default boxes follow the resized image.
        transform = self.detector.transform
        transform.min_size, transform.max_size = (image_size,), image_size
        transform.fixed_size = (image_size, image_size)
{%- endif %}
        self.predict_score_threshold = predict_score_threshold
        self.predict_nms_threshold = predict_nms_threshold
        if compile:
            self.compile_backbone()
        metric = MeanAveragePrecision(box_format="xyxy", backend="faster_coco_eval")
        self.track(metric, LOGGED_METRICS, best="map_50")
