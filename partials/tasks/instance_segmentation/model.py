"""Instance segmenter: Mask R-CNN from torchvision, its own losses and its post-processing."""

import torch
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from torchmetrics.detection import MeanAveragePrecision
from torchvision.models import get_model
from torchvision.models.detection import MaskRCNN, fasterrcnn_mobilenet_v3_large_fpn
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor

from {{ package_name }}.base import DetectorModel, Target

# The scalars of MeanAveragePrecision's result that are logged, of the masks (segm_) and of the
# boxes (bbox_); the rest are per-class tensors.
LOGGED_METRICS = (
    "segm_map",
    "segm_map_50",
    "segm_map_75",
    "segm_mar_100",
    "bbox_map",
    "bbox_map_50",
)
# A pixel belongs to an object when the mask head gives it at least this probability.
MASK_THRESHOLD = 0.5
# The light model's mask head: two convolutions of 128 channels (ResNet-50's has four of 256).
LIGHT_MASK_CHANNELS = (128, 128)


def maskrcnn_mobilenet_v3_large_fpn(
    *, num_classes: int, weights_backbone: str | None = None, **options: object
) -> MaskRCNN:
    """Mask R-CNN on the MobileNetV3-Large FPN of ``fasterrcnn_mobilenet_v3_large_fpn``.

    torchvision builds Mask R-CNN on ResNet-50 only, which trains slowly on a CPU; this one
    takes the backbone, anchors and box predictor of torchvision's light Faster R-CNN and adds
    a light mask head (``LIGHT_MASK_CHANNELS``).
    """
    faster = fasterrcnn_mobilenet_v3_large_fpn(
        weights=None, weights_backbone=weights_backbone, num_classes=num_classes
    )
    channels = LIGHT_MASK_CHANNELS
    return MaskRCNN(
        faster.backbone,
        num_classes=None,  # given by the predictors
        rpn_anchor_generator=faster.rpn.anchor_generator,
        box_predictor=faster.roi_heads.box_predictor,
        mask_head=MaskRCNNHeads(faster.backbone.out_channels, list(channels), dilation=1),
        mask_predictor=MaskRCNNPredictor(channels[-1], channels[-1], num_classes),
        **{"rpn_score_thresh": 0.05, **options},  # as fasterrcnn_mobilenet_v3_large_fpn
    )


def build_mask_rcnn(name: str, **options: object) -> MaskRCNN:
    """This module's ``maskrcnn_mobilenet_v3_large_fpn``, or a torchvision Mask R-CNN builder."""
    if name == "maskrcnn_mobilenet_v3_large_fpn":
        return maskrcnn_mobilenet_v3_large_fpn(**options)
    return get_model(name, weights=None, **options)


class InstanceSegmenter(DetectorModel):
    """Mask R-CNN: a box, a class and a mask for every object; label 0 is the background, the
    classes are labels 1..num_classes.

    Logs each of the detector's own losses (``train/loss_mask``, ``train/loss_classifier``, ...)
    and their sum (``train/loss``), and COCO-style mAP of the masks (``val/segm_map``,
    ``val/segm_map_50``, ...) and of the boxes (``val/bbox_map``, ``val/bbox_map_50``) on
    validation and test.

    Args:
        num_classes: Number of object classes, without the background; linked from the data module.
        name: ``maskrcnn_mobilenet_v3_large_fpn`` (this module's) or a torchvision Mask R-CNN
            builder, such as ``maskrcnn_resnet50_fpn`` or ``maskrcnn_resnet50_fpn_v2``.
        weights_backbone: ImageNet weights for the backbone, such as ``IMAGENET1K_V1``. The
            default, None, starts from random weights and never touches the network.
        min_size: The detector scales each image so that its short side is ``min_size`` pixels...
        max_size: ... unless that makes the long side exceed ``max_size`` pixels.
{% include 'partials/families/detector/model_args.md' %}
    """

    def __init__(
        self,
        num_classes: int,
        name: str = "{{ detector }}",
        weights_backbone: str | None = None,
        min_size: int = {{ detector_size }},
        max_size: int = {{ detector_size }},
        score_threshold: float = 0.05,
        nms_threshold: float = 0.5,
        detections_per_image: int = 100,
        proposals_per_image: int = 100,
        sampled_proposals_per_image: int = 64,
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
        self.detector = build_mask_rcnn(
            name,
            weights_backbone=weights_backbone,
            num_classes=num_classes + 1,  # and the background, label 0
            min_size=min_size,
            max_size=max_size,
            box_score_thresh=score_threshold,
            box_nms_thresh=nms_threshold,
            box_detections_per_img=detections_per_image,
            rpn_post_nms_top_n_train=proposals_per_image,
            rpn_post_nms_top_n_test=proposals_per_image,
            box_batch_size_per_image=sampled_proposals_per_image,
        )
        self.predict_score_threshold = predict_score_threshold
        self.predict_nms_threshold = predict_nms_threshold
        if compile:
            self.compile_backbone()
        metric = MeanAveragePrecision(iou_type=("segm", "bbox"), backend="faster_coco_eval")
        self.track(metric, LOGGED_METRICS, best="segm_map_50")

    def comparable(self, objects: Target) -> Target:
        """Detections or targets with their masks as bool [N, H, W], as the metric takes them."""
        masks = objects["masks"]
        if masks.dim() == 4:  # the detector's probabilities [N, 1, H, W]
            masks = masks[:, 0] >= MASK_THRESHOLD
        return {**objects, "masks": masks.bool()}
