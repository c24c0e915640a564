"""Run the exported model on one image: python run_onnx.py last.onnx IMAGE"""

import json
import sys

import numpy as np
import onnxruntime
from PIL import Image

session = onnxruntime.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
metadata = session.get_modelmeta().custom_metadata_map
names = json.loads(metadata["class_names"])

# RGB scaled to [0, 1], channels first: the model resizes and normalises it itself.
image = np.asarray(Image.open(sys.argv[2]).convert("RGB"), dtype=np.float32) / 255
boxes, labels, scores, *_ = session.run(None, {"image": image.transpose(2, 0, 1).copy()})
print(f"{np.sum(scores >= 0.5)} objects scoring 0.5 or more")
for box, label, score in zip(boxes, labels, scores):
    if score >= 0.5:
        print(names[label - 1], f"{score:.3f}", [round(float(x), 1) for x in box])