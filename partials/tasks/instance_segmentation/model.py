"""Instance segmenter: Mask R-CNN from torchvision, its own losses and its post-processing."""

import torch
from lightning.pytorch.cli import LRSchedulerCallable, OptimizerCallable
from torchmetrics import MaxMetric
from torchmetrics.detection import MeanAveragePrecision
from torchvision.models import get_model
from torchvision.models.detection import MaskRCNN, fasterrcnn_mobilenet_v3_large_fpn
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops import batched_nms

from {{ package_name }}.base import Target, TaskModel

Batch = tuple[list[torch.Tensor], list[Target]]
PredictBatch = tuple[list[torch.Tensor], list[str]]

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


def binary_masks(objects: Target) -> Target:
    """Detections or targets with their masks as bool [N, H, W], as the metric takes them."""
    masks = objects["masks"]
    if masks.dim() == 4:  # the detector's probabilities [N, 1, H, W]
        masks = masks[:, 0] >= MASK_THRESHOLD
    return {**objects, "masks": masks.bool()}


class InstanceSegmenter(TaskModel):
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
        score_threshold: Lowest score the detector returns; keep it low for evaluation, where mAP
            is taken over the whole precision-recall curve.
        nms_threshold: IoU above which the detector drops the lower-scoring of two boxes of one
            class.
        detections_per_image: Most objects the detector returns per image.
        proposals_per_image: Region proposals kept per image; torchvision's defaults (2000 in
            training, 1000 in evaluation) suit photos of many objects.
        sampled_proposals_per_image: Proposals per image that train the box head; its cost
            grows with this (torchvision's default is 512).
        predict_score_threshold: Lowest score ``predict`` writes out.
        predict_nms_threshold: IoU for the class-aware NMS that ``predict`` applies last; below
            ``nms_threshold`` it prunes overlapping boxes further.
        optimizer: Builds the optimizer from the parameters (``model.optimizer`` in the YAML).
        scheduler: Builds the learning-rate schedule from the optimizer, advanced every {{ 'step' if scheduler == 'onecycle' else 'epoch' }}.
        compile: Compile the detector's backbone with ``torch.compile``: faster steps on a GPU,
            after a compilation of a minute or so at the first step and whenever the size of the
            batched images changes.
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
        optimizer: OptimizerCallable = torch.optim.AdamW,
        scheduler: LRSchedulerCallable | None = None,
        compile: bool = False,
    ) -> None:
        super().__init__(optimizer, scheduler)
        # LightningCLI lets a checkpoint's hyperparameters override the command line, so the
        # thresholds stay out of them: --model.* then sets them for validate, test and predict.
        self.save_hyperparameters(
            ignore=[
                "score_threshold",
                "nms_threshold",
                "detections_per_image",
                "predict_score_threshold",
                "predict_nms_threshold",
                "optimizer",
                "scheduler",
                "compile",
            ]
        )
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
            # Only the backbone: the detector's heads work on lists of boxes that vary per image.
            # In place, so that checkpoints keep their parameter names.
            self.detector.backbone.compile()
        iou_type = ("segm", "bbox")
        self.val_map = MeanAveragePrecision(iou_type=iou_type, backend="faster_coco_eval")
        self.test_map = MeanAveragePrecision(iou_type=iou_type, backend="faster_coco_eval")
        self.best_val_map_50 = MaxMetric()

    def forward(self, images: list[torch.Tensor]) -> list[Target]:
        """Per image: ``boxes`` (xyxy, in the image's pixels), ``scores``, ``labels`` and
        ``masks`` [N, 1, H, W], each object's probability per pixel of the image."""
        return self.detector(images)

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        images, targets = batch
        losses = self.detector(images, targets)
        loss = sum(losses.values())
        # Images per batch, which Lightning cannot infer from lists.
        batch_size = len(images)
        self.log_dict(
            {f"train/{name}": value for name, value in losses.items()}, batch_size=batch_size
        )
        self.log("train/loss", loss, prog_bar=True, batch_size=batch_size)
        return loss

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        images, targets = batch
        found = [binary_masks(objects) for objects in self(images)]
        self.val_map.update(found, [binary_masks(target) for target in targets])

    def test_step(self, batch: Batch, batch_idx: int) -> None:
        images, targets = batch
        found = [binary_masks(objects) for objects in self(images)]
        self.test_map.update(found, [binary_masks(target) for target in targets])

    def on_train_start(self) -> None:
        # The sanity-check validation must not count towards the best mAP.
        self.best_val_map_50.reset()

    def on_validation_epoch_end(self) -> None:
        results = self._log_map(self.val_map, "val")
        self.best_val_map_50(results["segm_map_50"])
        self.log("val/segm_map_50_best", self.best_val_map_50.compute(), prog_bar=True)

    def on_test_epoch_end(self) -> None:
        self._log_map(self.test_map, "test")

    def _log_map(self, metric: MeanAveragePrecision, stage: str) -> dict[str, torch.Tensor]:
        # mAP returns a dict with per-class tensors, so it is computed here rather than logged
        # as an object; compute() already gathers the objects of every process.
        results = metric.compute()
        metric.reset()
        self.log_dict({f"{stage}/{name}": results[name] for name in LOGGED_METRICS}, prog_bar=True)
        return results

    def predict_step(self, batch: PredictBatch, batch_idx: int) -> list[dict]:
        images, paths = batch
        return [
            {"path": path, "height": image.shape[-2], "width": image.shape[-1], **self._keep(found)}
            for image, path, found in zip(images, paths, self(images), strict=True)
        ]

    def _keep(self, objects: Target) -> Target:
        """The confident objects after a last class-aware NMS, on the CPU for writing; their
        masks bool [N, H, W]."""
        confident = objects["scores"] >= self.predict_score_threshold
        found = binary_masks({key: value[confident].cpu() for key, value in objects.items()})
        boxes, scores, labels = found["boxes"].float(), found["scores"].float(), found["labels"]
        kept = batched_nms(boxes, scores, labels, self.predict_nms_threshold)
        return {
            "boxes": boxes[kept],
            "scores": scores[kept],
            "labels": labels[kept],
            "masks": found["masks"][kept],
        }
