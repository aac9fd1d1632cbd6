"""Would an int8 EfficientNet-Lite0 keep Vidi's per-frame cosine target (>= 0.999 vs float32)?

Measures ONNX Runtime's own int8 recipes (uint8 activations x int8 weights, int32 accumulation,
the VNNI arrangement) on real UCF-101 dev frames, against the float32 graph of
bench/backbones/ort_peer.py (Lite0 from the pinned checkpoint, classifier dropped: the output
is the pooled 1280-d feature vector Vidi keeps). Frames are prepared exactly as
bench/pipeline/peer.py does: uniform samples of each clip, centre square crop, INTER_AREA
resize to 224, RGB, (x - 127) / 128.

  - batch norms are folded into the convolutions first (in NumPy; what ONNX Runtime does at
    load time and what `quant_pre_process` would do), so the int8 weights are the real ones;
  - calibration: 3 frames from each of 34 train clips spread over the 9 classes (102 frames,
    fed in batches of 6);
  - evaluation: 3 frames from each of 67 test clips spread over the 9 classes (201 frames);
  - variants:
      qdq-minmax / qdq-percentile / qdq-entropy  quantize_static, QDQ, per-channel int8
          weights, uint8 activations, every op type ONNX Runtime's QDQ quantizer handles
          (Conv, Clip; Add and GlobalAveragePool have no QDQ quantizer and stay float).
          Entropy runs with 1024 histogram bins: quantize_static does not pass a bin count
          through, and at the default 128 bins (= the 128 quantized bins) ONNX Runtime's KL
          search has a single candidate, the full range, i.e. exactly the MinMax ranges; the
          probe wraps the calibrator factory quantize_static calls to set num_bins=1024;
      pw-minmax / pw-percentile  the same, but only the 1x1 group-1 convolutions (expand,
          project, head: nodes_to_quantize), stem and depthwise convolutions in float32;
      w8only-all / w8only-pw  diagnostic, not an int8 path: float graph whose convolution
          weights (all, or the 1x1 ones) are rounded to per-channel symmetric int8, activations
          float32, to separate the weights' share of the error from the activations';
      dyn-*  quantize_dynamic on Conv (ConvInteger, activations quantized per call, per
          tensor); reported as a failure if ONNX Runtime cannot run it.
  - per variant: per-frame cosine of the 1280-d features vs float32 (min, 1st percentile,
    median, share of frames < 0.999) and ONNX Runtime frames/s at batch 8, 2 intra-op threads.

Run from the repository (about 3-5 minutes of CPU on 2 cores; bench/.venv is the one
bench/backbones/run.sh makes, with onnx, onnxruntime and numpy, plus opencv-python-headless from
bench/pipeline/run.sh):

    bench/.venv/bin/python bench/precision/int8_probe.py \\
        [--data ../shared/data/ucf101-dev] [--models ~/.cache/vidi/models] \\
        [--only VARIANT...] [--json]
"""

import argparse
import importlib
import json
import os
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_dynamic,
    quantize_static,
)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "backbones"))
sys.path.insert(0, os.path.join(HERE, "..", "pipeline"))
from ort_peer import MODELS, efficientnet_lite, read_checkpoint  # noqa: E402
from peer import clips_of, sampled_frames, to_input  # noqa: E402

BACKBONE = "efficientnet-lite0"
TARGET = 0.999


# ---------------------------------------------------------------- float32 graph


def features_model(models):
    """Lite0 ONNX graph, classifier removed, batch norms folded into the convolutions."""
    model = efficientnet_lite(read_checkpoint(os.path.join(models, MODELS[BACKBONE])), BACKBONE)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    nodes = []
    for node in graph.node:
        if "logits" in node.output:
            continue
        if node.op_type == "BatchNormalization":
            conv = producers[node.input[0]]
            assert conv.op_type == "Conv" and len(conv.input) == 2
            gamma, beta, mean, var = (numpy_helper.to_array(inits[n]) for n in node.input[1:])
            eps = next(a.f for a in node.attribute if a.name == "epsilon")
            scale = gamma / np.sqrt(var.astype(np.float64) + eps)
            w = numpy_helper.to_array(inits[conv.input[1]]).astype(np.float64)
            w = (w * scale[:, None, None, None]).astype(np.float32)
            b = (beta - mean * scale).astype(np.float32)
            inits[conv.input[1]] = numpy_helper.from_array(w, conv.input[1])
            bias_name = conv.input[1] + "_bias"
            inits[bias_name] = numpy_helper.from_array(b, bias_name)
            conv.input.append(bias_name)
            conv.output[0] = node.output[0]
            continue
        nodes.append(node)
    for i, node in enumerate(nodes):
        node.name = f"{node.op_type.lower()}_{i}"
    used = {name for n in nodes for name in n.input}
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(v for k, v in inits.items() if k in used)
    for output in [o for o in graph.output if o.name == "logits"]:
        graph.output.remove(output)
    onnx.checker.check_model(model)
    return onnx.shape_inference.infer_shapes(model)


def pointwise_convs(model):
    shapes = {i.name: i.dims for i in model.graph.initializer}
    names = []
    for node in model.graph.node:
        group = next((a.i for a in node.attribute if a.name == "group"), 1)
        if node.op_type == "Conv" and list(shapes[node.input[1]][2:]) == [1, 1] and group == 1:
            names.append(node.name)
    return names


def weights_only(model, names, path):
    """Float graph with the weights of `names` rounded to per-channel symmetric int8 (as the
    QDQ quantizer does), activations left in float32: the weights' share of the error."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    targets = {n.input[1] for n in model.graph.node if n.name in names}
    for init in model.graph.initializer:
        if init.name in targets:
            w = numpy_helper.to_array(init)
            scale = np.abs(w).reshape(len(w), -1).max(1) / 127.0
            scale = np.where(scale == 0, 1.0, scale)[:, None, None, None]
            q = (np.clip(np.round(w / scale), -127, 127) * scale).astype(np.float32)
            init.CopyFrom(numpy_helper.from_array(q, init.name))
    onnx.save(model, path)


def session(path, threads=2):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def _entropy_bins(factory, bins=1024):
    def create(*args, **kwargs):
        if kwargs.get("calibrate_method") == CalibrationMethod.Entropy:
            kwargs["extra_options"] = {**kwargs.get("extra_options", {}), "num_bins": bins}
        return factory(*args, **kwargs)

    return create


ort_quantize = importlib.import_module("onnxruntime.quantization.quantize")  # the module
ort_quantize.create_calibrator = _entropy_bins(ort_quantize.create_calibrator)


# ---------------------------------------------------------------- frames


def spread_clips(folder, count):
    """`count` clips spread over the sorted list (so over every class), deterministic."""
    clips = clips_of(folder)
    picks = np.linspace(0, len(clips) - 1, count).round().astype(int)
    return [clips[i] for i in sorted(set(picks))]


def frames_of(clips, per_clip):
    frames = []
    for path in clips:
        got, _ = sampled_frames(path, per_clip, "pos")
        frames += got
    return to_input(frames)


class Reader(CalibrationDataReader):
    """Equal-size batches: ONNX Runtime's histogram calibrators (Percentile, Entropy) stack the
    per-batch outputs and fail on a short last batch ("inhomogeneous shape")."""

    def __init__(self, batch, size=6):
        assert len(batch) % size == 0, "calibration frames must fill whole batches"
        self.chunks = iter([batch[i : i + size] for i in range(0, len(batch), size)])

    def get_next(self):
        chunk = next(self.chunks, None)
        return None if chunk is None else {"frames": chunk}


# ---------------------------------------------------------------- measuring


def features(sess, batch, size=8):
    return np.concatenate(
        [sess.run(["features"], {"frames": batch[i : i + size]})[0] for i in range(0, len(batch), size)]
    ).astype(np.float64)


def cosines(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def frames_per_second(sess, batch, seconds=4.0, size=8):
    x = batch[:size]
    sess.run(["features"], {"frames": x})
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sess.run(["features"], {"frames": x})
        calls += 1
    return calls * size / (time.perf_counter() - start)


def op_census(path):
    model = onnx.load(path)
    ops = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return ops


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/ucf101-dev")
    parser.add_argument(
        "--models",
        default=os.path.join(
            os.environ.get("VIDI_HOME", os.path.expanduser("~/.cache/vidi")), "models"),
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="timing per variant")
    parser.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    train = frames_of(spread_clips(os.path.join(args.data, "train"), 34), 3)
    test = frames_of(spread_clips(os.path.join(args.data, "test"), 67), 3)
    print(f"calibration frames {len(train)} (train), evaluation frames {len(test)} (test)",
          file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="int8probe-") as work:
        rows = measure(args, train, test, work)
    report(args, rows, train, test)


def measure(args, train, test, work):
    f32_path = os.path.join(work, "f32.onnx")
    model = features_model(args.models)
    onnx.save(model, f32_path)
    pointwise = pointwise_convs(model)
    print(f"convolutions {sum(n.op_type == 'Conv' for n in model.graph.node)}, "
          f"pointwise {len(pointwise)}", file=sys.stderr)

    f32 = session(f32_path)
    reference = features(f32, test)
    rows = [{"variant": "f32", "cos_min": 1.0, "cos_p1": 1.0, "cos_median": 1.0,
             "below": 0.0, "fps": frames_per_second(f32, test, args.seconds)}]

    methods = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
               "entropy": CalibrationMethod.Entropy}
    variants = [(f"qdq-{m}", "static", m, None) for m in methods]
    variants += [(f"pw-{m}", "static", m, pointwise) for m in ("minmax", "percentile")]
    convs = [n.name for n in model.graph.node if n.op_type == "Conv"]
    variants += [("w8only-all", "weights", None, convs), ("w8only-pw", "weights", None, pointwise)]
    variants += [("dyn-s8w", "dynamic", QuantType.QInt8, None),
                 ("dyn-u8w", "dynamic", QuantType.QUInt8, None)]

    for name, kind, option, nodes in variants:
        if args.only and name not in args.only:
            continue
        path = os.path.join(work, f"{name}.onnx")
        row = {"variant": name}
        started = time.process_time()
        try:
            if kind == "static":
                quantize_static(
                    f32_path, path, Reader(train), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    per_channel=True, reduce_range=False, calibrate_method=methods[option],
                    nodes_to_quantize=nodes,
                    extra_options={"CalibMovingAverage": False},
                )
            elif kind == "weights":
                weights_only(model, set(nodes), path)
            else:
                quantize_dynamic(f32_path, path, op_types_to_quantize=["Conv"],
                                 weight_type=option, per_channel=True, reduce_range=False)
            sess = session(path)
            out = features(sess, test)
        except Exception as error:  # report, keep measuring the others
            row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
            rows.append(row)
            print(f"{name}: {row['error']}", file=sys.stderr)
            continue
        c = cosines(reference, out)
        row.update(cos_min=float(c.min()), cos_p1=float(np.percentile(c, 1)),
                   cos_median=float(np.median(c)), below=float((c < TARGET).mean()),
                   fps=frames_per_second(sess, test, args.seconds),
                   ops={k: v for k, v in op_census(path).items()
                        if k in ("QuantizeLinear", "DequantizeLinear", "ConvInteger",
                                 "DynamicQuantizeLinear")},
                   quantize_cpu_s=round(time.process_time() - started, 1))
        rows.append(row)
        print(f"{name}: done ({row['quantize_cpu_s']} s CPU incl. eval)", file=sys.stderr)
    return rows


def report(args, rows, train, test):
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'variant':<16}{'cos min':>9}{'p1':>9}{'median':>9}{'<0.999':>8}{'frames/s':>10}")
    for r in rows:
        if "error" in r:
            print(f"{r['variant']:<16}  failed: {r['error']}")
            continue
        print(f"{r['variant']:<16}{r['cos_min']:>9.5f}{r['cos_p1']:>9.5f}{r['cos_median']:>9.5f}"
              f"{100 * r['below']:>7.1f}%{r['fps']:>10.1f}")
    print(f"({len(test)} test frames, {len(train)} calibration frames; batch 8, 2 threads)")


if __name__ == "__main__":
    main()
