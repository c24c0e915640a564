"""Run the exported model on one image: python run_onnx.py last.onnx IMAGE"""

import json
import sys

import numpy as np
import onnxruntime
from PIL import Image

session = onnxruntime.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
metadata = session.get_modelmeta().custom_metadata_map
size = json.loads(metadata["image_size"])

{%- if task in ['classification', 'multilabel'] %}
# As the model saw images in training: the short side resized to `size`, a centred square crop,
# RGB scaled to [0, 1] and normalised per channel.
image = Image.open(sys.argv[2]).convert("RGB")
scale = size / min(image.size)
image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BILINEAR)
left, top = (image.width - size) // 2, (image.height - size) // 2
image = image.crop((left, top, left + size, top + size))
{%- else %}
# As the model saw images in training: resized to `size` x `size`, RGB scaled to [0, 1] and
# normalised per channel.
image = Image.open(sys.argv[2]).convert("RGB").resize((size, size), Image.BILINEAR)
{%- endif %}
pixels = np.asarray(image, dtype=np.float32) / 255
pixels = (pixels - json.loads(metadata["mean"])) / json.loads(metadata["std"])
batch = pixels.transpose(2, 0, 1)[None].astype(np.float32)

[output] = session.run(None, {"images": batch})
{%- if task == 'classification' %}
probabilities = np.exp(output[0] - output[0].max())
probabilities /= probabilities.sum()
best = int(probabilities.argmax())
print(json.loads(metadata["class_names"])[best], f"{probabilities[best]:.3f}")
{%- elif task == 'multilabel' %}
probabilities = 1 / (1 + np.exp(-output[0]))
names = json.loads(metadata["class_names"])
threshold = json.loads(metadata["threshold"])
print(" ".join(name for name, p in zip(names, probabilities) if p >= threshold) or "(none)")
{%- elif task == 'segmentation' %}
mask = output[0].argmax(axis=0)
for index, name in enumerate(json.loads(metadata["class_names"])):
    print(f"{name}: {np.mean(mask == index):.1%} of the pixels")
{%- else %}
for name, value in zip(json.loads(metadata["target_names"]), output[0]):
    print(f"{name}: {value:.4g}")
{%- endif %}