"""OpenVINO peer for Vidi's backbone benchmark.

Runs the same ONNX graphs as ort_peer.py (built from the published PyTorch checkpoints) on
OpenVINO's CPU plugin with 2 inference threads, in float32 or bfloat16
(`INFERENCE_PRECISION_HINT`; OpenVINO picks bf16 by itself on CPUs with AVX512-BF16 or AMX).
Checks the features against the reference fixture on the synthetic input (float32: max abs
error 1e-4; bfloat16: only that the graph is the right one, cosine similarity 0.9, since
OpenVINO's bf16 also rounds activations between layers: measured 0.967 for MobileNetV2) and
prints one JSON object per (backbone, batch) with the error and cosine.
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import openvino as ov

from ort_peer import GFLOP_PER_FRAME, MODELS, efficientnet_lite, input_size, measure_calls
from ort_peer import mobilenet_v2, read_checkpoint, synthetic_input


def compiled_model(model, threads, precision):
    core = ov.Core()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "backbone.onnx")
        onnx.save(model, path)
        network = core.read_model(path)
    return core.compile_model(
        network,
        "CPU",
        {
            "INFERENCE_NUM_THREADS": threads,
            "NUM_STREAMS": 1,
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": precision,
        },
    )


def check(backbone, compiled, golden_folder, precision):
    with open(os.path.join(golden_folder, f"golden-{backbone}.json")) as f:
        reference = np.array(json.load(f)["feature"])
    feature = compiled.create_infer_request().infer({0: synthetic_input(input_size(backbone))})[0][0]
    error = float(np.abs(feature - reference).max())
    cosine = float(feature @ reference / np.linalg.norm(feature) / np.linalg.norm(reference))
    if (precision == "f32" and error > 1e-4) or cosine < 0.9:
        sys.exit(
            f"ov_peer: {backbone} {precision} disagrees with the reference "
            f"(max abs {error:.2e}, cosine {cosine:.5f})"
        )
    return error, cosine


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", choices=sorted(MODELS), required=True)
    parser.add_argument("--precision", choices=["f32", "bf16"], required=True)
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", required=True, help="folder holding the checkpoints")
    parser.add_argument("--golden", required=True,
                        help="folder of the reference outputs (Sources/Backbones/Resources)")
    args = parser.parse_args()

    weights = read_checkpoint(os.path.join(args.models, MODELS[args.backbone]))
    if args.backbone == "mobilenet-v2":
        model = mobilenet_v2(weights)
    else:
        model = efficientnet_lite(weights, args.backbone)
    compiled = compiled_model(model, args.threads, args.precision)
    actual = str(compiled.get_property("INFERENCE_PRECISION_HINT"))
    error, cosine = check(args.backbone, compiled, args.golden, args.precision)
    request = compiled.create_infer_request()
    for batch in (int(b) for b in args.batches.split(",")):
        fps, calls, cpu_ms = measure_calls(
            lambda frames: request.infer({0: frames}), batch, args.seconds, input_size(args.backbone))
        print(json.dumps({
            "runtime": f"openvino {ov.__version__.split('-')[0]}", "precision": args.precision,
            "backbone": args.backbone, "batch": batch, "frames_per_second": fps,
            "threads": args.threads, "calls": calls, "gflops": fps * GFLOP_PER_FRAME[args.backbone],
            "max_abs_error": error, "cosine": cosine, "inference_precision": actual,
            "cpu_ms_per_frame": cpu_ms,
        }), flush=True)


if __name__ == "__main__":
    main()
