"""Object detector: {{ "FCOS over the block CNN's pyramid" if block_backbone else 'a torchvision detection model' }}, its own losses and its post-processing."""

import torch
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
{%- if block_backbone %}
from torch import nn
{%- endif %}
from torchmetrics.detection import MeanAveragePrecision
{%- if block_backbone %}
from torchvision.models.detection import FCOS
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.ops import FeaturePyramidNetwork
{%- else %}
from torchvision.models import get_model
{%- endif %}

from {{ package_name }}.base import DetectorModel

# The scalars of MeanAveragePrecision's result that are logged (the rest are per-class tensors).
LOGGED_METRICS = ("map", "map_50", "map_75", "mar_100")
{%- if block_backbone %}


class FeaturePyramid(nn.Module):
    """The backbone's last stages merged top-down by a feature pyramid network (FPN).

    Every level gets the same channels, so that FCOS's heads, shared by the levels, read them
    all: coarse levels find large objects, fine ones small objects, each with the context of
    the levels above it.

    Args:
        backbone: ``forward_features`` maps images to the feature maps of its stages, from the
            finest to the coarsest, stage ``k`` (from 1) at ``1 / 2**k`` of the input size;
            ``stage_channels`` are their channels.
        channels: Channels of every pyramid level.
        levels: How many of the backbone's last stages the pyramid takes.
    """

    def __init__(self, backbone: nn.Module, channels: int, levels: int) -> None:
        super().__init__()
        stages = len(backbone.stage_channels)
        if not 1 <= levels <= stages:
            raise ValueError(
                f"pyramid_levels must be from 1 to the backbone's {stages} stages; got {levels}."
            )
        self.body = backbone
        self.levels = levels
        self.fpn = FeaturePyramidNetwork(backbone.stage_channels[-levels:], channels)
        self.out_channels = channels
        # How many input pixels one cell of each level spans.
        self.strides = [2**stage for stage in range(stages - levels + 1, stages + 1)]

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        stages = self.body.forward_features(images)[-self.levels :]
        return self.fpn({str(index): stage for index, stage in enumerate(stages)})
{%- endif %}
{%- if detector_family in ['RetinaNet', 'FCOS'] and not block_backbone %}


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
{%- if block_backbone %}
    """FCOS (Tian et al., 2019) on a feature pyramid of the block backbone; label 0 is the
    background, the classes are labels 1..num_classes.

    FCOS predicts, at every cell of every pyramid level, a score per class, the distances to
    the four sides of the object's box and how close the cell is to the box's centre
    ("centerness"): no anchor boxes to tune, and a backbone small enough to train from scratch
    on a CPU.
{%- else %}
    """A torchvision detector; label 0 is the background, the classes are labels 1..num_classes.
{%- endif %}

    Logs each of the detector's own losses (``train/{{ 'loss_classifier' if detector_family == 'Faster R-CNN' else 'classification' }}``, ...) and their sum
    (``train/loss``), and COCO-style mAP on validation and test (``val/map``, ``val/map_50``, ...).

    Args:
        num_classes: Number of object classes, without the background; linked from the data module.
{%- if block_backbone %}
        backbone: The network under the pyramid: ``forward_features`` returns the feature maps
            of its stages, each half the size of the one before (``blocks.ConvNet``).
        pyramid_channels: Channels of every pyramid level, and of the heads' convolutions.
        pyramid_levels: How many of the backbone's last stages the pyramid takes: with four
            stages and three levels, maps at 1/4, 1/8 and 1/16 of the input size.
{%- else %}
        name: A torchvision {{ detector_family }} builder, such as ``{{ detector }}``.
        weights_backbone: ImageNet weights for the backbone, such as ``IMAGENET1K_V1``. The
            default, None, starts from random weights and never touches the network.
{%- endif %}
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
{%- if block_backbone %}
        backbone: nn.Module,
        pyramid_channels: int = 64,
        pyramid_levels: int = 3,
{%- else %}
        name: str = "{{ detector }}",
        weights_backbone: str | None = None,
{%- endif %}
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
{%- if block_backbone %}
        pyramid = FeaturePyramid(backbone, pyramid_channels, pyramid_levels)
        # FCOS's points: one per cell of each level, matched to objects of a size that suits
        # the level's stride.
        points = AnchorGenerator(
            sizes=tuple((stride,) for stride in pyramid.strides),
            aspect_ratios=((1.0,),) * pyramid_levels,
        )
        self.detector = FCOS(
            pyramid,
            num_classes=num_classes + 1,  # and the background, label 0
            min_size=min_size,
            max_size=max_size,
            anchor_generator=points,
            score_thresh=score_threshold,
            nms_thresh=nms_threshold,
            detections_per_img=detections_per_image,
        )
{%- else %}
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
{%- endif %}
{%- if detector_family in ['RetinaNet', 'FCOS'] and not block_backbone %}
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
