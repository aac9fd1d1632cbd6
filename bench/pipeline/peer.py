"""Python peers for Vidi's end-to-end benchmark: a dataset of clips in, per-frame features out.

Two ways people commonly do this in Python, on the same EfficientNet-Lite0 weights as Vidi
(the ONNX graph of bench/backbones/ort_peer.py, built from the published checkpoint without
torch, features output only), ONNX Runtime with 2 intra-op threads:

  batched    OpenCV decoding of the same uniform samples as Vidi (the frame at the centre of
             each of 20 equal segments of the clip's frame count), found by grab() over the
             stream and retrieve() of the wanted frames (--seek pos: set CAP_PROP_POS_FRAMES
             before each read instead); centre square crop, cv2.resize INTER_AREA to 224,
             RGB, (x - 127) / 128; one inference call per clip (a batch of 20 frames).
  per-frame  the classic tutorial pipeline (Keras "Video classification with a CNN-RNN"):
             read every frame, crop and resize each, keep the first 20, one inference call
             per frame.

    peer.py run DATASET --models DIR [--mode batched|per-frame] [--seek grab|pos]
    peer.py features CLIP... --models DIR      (one JSON object per clip, batched mode's frames)

`run` prints one JSON object: clips, frames encoded, seconds and the decode/encode split.
"""

import argparse
import json
import os
import sys
import time

import cv2
import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "backbones"))
from ort_peer import MODELS, efficientnet_lite, read_checkpoint, session  # noqa: E402

BACKBONE = "efficientnet-lite0"
SIZE = 224


def features_session(models, threads):
    """ONNX Runtime session of Lite0 computing only the pooled 1280-d features, as Vidi does."""
    model = efficientnet_lite(read_checkpoint(os.path.join(models, MODELS[BACKBONE])), BACKBONE)
    graph = model.graph
    classifier = [node for node in graph.node if "logits" in node.output]
    for node in classifier:
        graph.node.remove(node)
        for initializer in [i for i in graph.initializer if i.name in node.input]:
            graph.initializer.remove(initializer)
    for output in [o for o in graph.output if o.name == "logits"]:
        graph.output.remove(output)
    return session(model, threads)


def uniform_indices(frame_count, samples):
    """Vidi's FrameSampling.uniform: the centre frame of each of `samples` equal segments."""
    if frame_count <= samples:
        return list(range(frame_count))
    return [(2 * i + 1) * frame_count // (2 * samples) for i in range(samples)]


def preprocess(frame):
    """BGR frame -> centre square crop, 224x224 (area filter), RGB, Lite0 normalisation."""
    height, width = frame.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = frame[top : top + side, left : left + side]
    small = cv2.resize(square, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)


def to_input(frames):
    batch = np.stack(frames).astype(np.float32)
    batch = (batch - 127.0) / 128.0
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))


def sampled_frames(path, samples, seek):
    """The uniformly sampled frames of a clip, preprocessed, and their indices."""
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        raise RuntimeError(f"{path}: OpenCV cannot open the file")
    indices = uniform_indices(int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), samples)
    frames = []
    if seek == "pos":
        for index in indices:
            capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(preprocess(frame))
    else:
        wanted = set(indices)
        for index in range(indices[-1] + 1 if indices else 0):
            if not capture.grab():
                break
            if index in wanted:
                ok, frame = capture.retrieve()
                if not ok:
                    break
                frames.append(preprocess(frame))
    capture.release()
    return frames, indices[: len(frames)]


def first_frames(path, samples):
    """The classic loader: every frame read, cropped and resized, then the first ones kept."""
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        raise RuntimeError(f"{path}: OpenCV cannot open the file")
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(preprocess(frame))
    capture.release()
    return frames[:samples]


def clips_of(dataset):
    paths = []
    for folder, _, files in os.walk(dataset):
        paths += [os.path.join(folder, f) for f in files if f.endswith(".avi")]
    return sorted(paths)


def run(args):
    start = time.perf_counter()
    sess = features_session(args.models, args.threads)
    clips = clips_of(args.dataset)
    loop = time.perf_counter()
    decode = encode = 0.0
    frames_encoded = 0
    for path in clips:
        t0 = time.perf_counter()
        if args.mode == "batched":
            frames, _ = sampled_frames(path, args.frames, args.seek)
        else:
            frames = first_frames(path, args.frames)
        t1 = time.perf_counter()
        if args.mode == "batched":
            features = sess.run(["features"], {"frames": to_input(frames)})[0]
        else:
            features = np.concatenate(
                [sess.run(["features"], {"frames": to_input([f])})[0] for f in frames])
        t2 = time.perf_counter()
        assert features.shape == (len(frames), 1280)
        decode += t1 - t0
        encode += t2 - t1
        frames_encoded += len(frames)
    end = time.perf_counter()
    print(json.dumps({
        "runtime": f"python-{args.mode}" + ("-seek" if args.mode == "batched"
                                            and args.seek == "pos" else ""),
        "clips": len(clips), "frames_encoded": frames_encoded,
        "seconds": end - loop, "setup_seconds": loop - start,
        "stage_seconds": {"decode": decode, "encode": encode},
        "threads": args.threads, "versions": {
            "onnxruntime": ort.__version__, "opencv": cv2.__version__, "numpy": np.__version__},
    }), flush=True)


def features(args):
    sess = features_session(args.models, args.threads)
    for path in args.clips:
        frames, indices = sampled_frames(path, args.frames, args.seek)
        values = sess.run(["features"], {"frames": to_input(frames)})[0]
        print(json.dumps({"path": path, "frame_indices": indices,
                          "features": values.tolist()}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "features"):
        command = commands.add_parser(name)
        if name == "run":
            command.add_argument("dataset")
            command.add_argument("--mode", choices=["batched", "per-frame"], default="batched")
        else:
            command.add_argument("clips", nargs="+")
        command.add_argument("--models", required=True, help="folder holding the checkpoints")
        command.add_argument("--frames", type=int, default=20)
        command.add_argument("--threads", type=int, default=2)
        command.add_argument("--seek", choices=["grab", "pos"], default="grab")
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        features(args)


if __name__ == "__main__":
    main()
