"""Makes the golden reference files of the EfficientNet-Lite backbones from the reference
PyTorch implementation (efficientnet-lite-pytorch), for Vidi's self-test and golden tests.

    scripts/make-golden-fixtures.sh            # makes the venv, then runs this
    python scripts/make-golden-fixtures.py --models ~/.cache/vidi/models [--check lite0]

For each backbone it writes Sources/Backbones/Resources/golden-<id>.json with:

- `feature` (1280) and `logits` (1000): the float64 reference on the synthetic input. The
  stored float32 weights and the float32 input are upcast to float64 and the network runs in
  float64, as for the shared Lite0 fixture; a float32 reimplementation is compared against
  these with max_abs <= 1e-4 and rel_l2 <= 2e-5.
- `input_size`, `input_check`: the synthetic input
  x[c][h][w] = 0.5*sin(0.05*(h+1)*(c+1)) + 0.5*cos(0.03*(w+1)*(c+2)) at the backbone's size,
  computed in float64 (left to right) and cast to float32; it is the normalised input.
- `fp32_vs_fp64`: the measured error of torch float32 against the reference, which the
  tolerance above should exceed by a wide margin.
- `multiply_adds`: of one frame, convolutions and classifier, counted with forward hooks.
- `cat_top5`: the five most likely classes for the built-in cat photo (Resources/chelsea.rgb,
  scikit-image's `chelsea`, 300x451 RGB) after the TensorFlow EfficientNet eval geometry at
  this input size S: shorter side bilinearly resized (PyTorch, align_corners=False, no
  antialiasing) to S + 32, longer side int((S + 32) * long / short), centre crop S x S at
  round((H - S) / 2), round((W - S) / 2), then (x - 127) / 128. For S = 224 that is the
  shared fixtures' resize-256 / crop-224. `cat_crop_sum_0_255` checks the crop.

The checkpoints are read from Vidi's model cache (`vidi models fetch --all`), whose files the
model store has checked against their pinned SHA-256. `--check` backbones are computed the
same way and compared with the golden file already in the repository instead of rewriting it
(Lite0's came from the shared fixtures, so this checks the script itself); only a missing
`cat_top5` is added to them.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from efficientnet_lite_pytorch import EfficientNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESOURCES = os.path.join(ROOT, "Sources", "Backbones", "Resources")
CHECKPOINTS = {
    "efficientnet-lite0": "efficientnet-lite0-57934424.pth",
    "efficientnet-lite1": "efficientnet-lite1-77cc7160.pth",
    "efficientnet-lite2": "efficientnet-lite2-9656183e.pth",
}
INPUT_SIZES = {"efficientnet-lite0": 224, "efficientnet-lite1": 240, "efficientnet-lite2": 260}


def synthetic_input(size):
    """The normalised synthetic input, [1, 3, size, size] float32, as Vidi's SyntheticFrame."""
    x = np.empty((3, size, size), np.float32)
    for c in range(3):
        for h in range(size):
            row = 0.5 * math.sin(0.05 * (h + 1) * (c + 1))
            for w in range(size):
                x[c, h, w] = row + 0.5 * math.cos(0.03 * (w + 1) * (c + 2))
    return x[None]


def input_check(x):
    return {
        "sum_float64_of_float32_values": float(x.astype(np.float64).sum()),
        "x_0_0_0_0": float(x[0, 0, 0, 0]),
        "x_0_2_last_last": float(x[0, 2, -1, -1]),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def load_model(backbone, models):
    model = EfficientNet.from_name(backbone)
    path = os.path.join(models, backbone, CHECKPOINTS[backbone])
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def run(model, x, dtype):
    """(pooled feature, logits) of the model in `dtype` for the float32 batch `x`."""
    model = model.to(dtype)
    with torch.no_grad():
        inputs = torch.from_numpy(x).to(dtype)
        pooled = model.extract_features(inputs).mean(dim=(2, 3))
        logits = model(inputs)
    return pooled.numpy().astype(np.float64), logits.numpy().astype(np.float64)


def multiply_adds(model, size):
    """Multiply-adds of one frame in the convolutions and the classifier, from forward hooks."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, torch.nn.Conv2d):
            kh, kw = module.kernel_size
            total += output.numel() * module.in_channels // module.groups * kh * kw
        elif isinstance(module, torch.nn.Linear):
            total += output.numel() * module.in_features

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size, dtype=next(model.parameters()).dtype))
    for hook in hooks:
        hook.remove()
    return total


def cat_crop(size):
    """The cat photo in the TensorFlow eval geometry for `size`, [1, 3, size, size] float32
    on the 0...255 scale."""
    height, width = 300, 451
    with open(os.path.join(RESOURCES, "chelsea.rgb"), "rb") as f:
        rgb = np.frombuffer(f.read(), np.uint8).reshape(height, width, 3)
    image = torch.from_numpy(rgb.astype(np.float32)).permute(2, 0, 1)[None]
    resize = size + 32
    short, long = min(height, width), max(height, width)
    long_side = int(resize * long / short)
    shape = (resize, long_side) if height <= width else (long_side, resize)
    resized = F.interpolate(image, size=shape, mode="bilinear", align_corners=False,
                            antialias=False)
    top, left = round((shape[0] - size) / 2), round((shape[1] - size) / 2)
    return resized[:, :, top:top + size, left:left + size].numpy()


def class_names():
    with open(os.path.join(RESOURCES, "imagenet-classes.txt")) as f:
        return [line.rstrip("\n") for line in f]


def error(a, reference):
    return {
        "max_abs": float(np.abs(a - reference).max()),
        "rel_l2": float(np.linalg.norm(a - reference) / np.linalg.norm(reference)),
    }


def golden(backbone, models):
    size = INPUT_SIZES[backbone]
    model = load_model(backbone, models)
    x = synthetic_input(size)
    feature, logits = run(model, x, torch.float64)
    feature32, logits32 = run(model, x, torch.float32)
    cat = cat_crop(size)
    _, cat_logits = run(model, (cat - 127) / 128, torch.float64)
    probabilities = np.exp(cat_logits[0] - cat_logits[0].max())
    probabilities /= probabilities.sum()
    names = class_names()
    top5 = [int(i) for i in np.argsort(-probabilities, kind="stable")[:5]]
    return {
        "backbone": backbone,
        "source": "float64 PyTorch reference (efficientnet-lite-pytorch) on the synthetic "
                  "input, made by scripts/make-golden-fixtures.py",
        "input_size": size,
        "input_check": input_check(x),
        "versions": {"torch": torch.__version__, "numpy": np.__version__,
                     "efficientnet-lite-pytorch": "0.1.0"},
        "fp32_vs_fp64": {"feature": error(feature32[0], feature[0]),
                         "logits": error(logits32[0], logits[0])},
        "multiply_adds": multiply_adds(model, size),
        "cat_crop_sum_0_255": float(cat.astype(np.float64).sum()),
        "cat_top5": [{"index": i, "probability": float(probabilities[i]), "name": names[i]}
                     for i in top5],
        "feature": feature[0].tolist(),
        "logits": logits[0].tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=os.path.expanduser("~/.cache/vidi/models"),
                        help="Vidi's model folder (vidi models fetch --all fills it)")
    parser.add_argument("--backbones", default="efficientnet-lite1,efficientnet-lite2",
                        help="backbones whose golden files are written")
    parser.add_argument("--check", default="efficientnet-lite0",
                        help="backbones whose existing golden files are only compared")
    args = parser.parse_args()
    torch.set_num_threads(2)

    failed = False
    for backbone in filter(None, args.check.split(",")):
        made = golden(backbone, args.models)
        with open(os.path.join(RESOURCES, f"golden-{backbone}.json")) as f:
            stored = json.load(f)
        for key in ("feature", "logits"):
            difference = np.abs(np.array(made[key]) - np.array(stored[key])).max()
            print(f"{backbone} {key}: max abs difference to the stored golden {difference:.2e}")
            failed |= difference > 1e-9
        print(f"{backbone} cat top-5: {[(c['index'], round(c['probability'], 4)) for c in made['cat_top5']]}")
        if "cat_top5" not in stored:
            stored["cat_top5"] = made["cat_top5"]
            write(backbone, stored)
    for backbone in filter(None, args.backbones.split(",")):
        made = golden(backbone, args.models)
        write(backbone, made)
        print(f"wrote golden-{backbone}.json: fp32 vs fp64 {made['fp32_vs_fp64']}, "
              f"cat top-5 {[(c['index'], c['name'], round(c['probability'], 4)) for c in made['cat_top5']]}")
    sys.exit(1 if failed else 0)


def write(backbone, golden):
    """Replaces the backbone's golden file atomically."""
    path = os.path.join(RESOURCES, f"golden-{backbone}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
