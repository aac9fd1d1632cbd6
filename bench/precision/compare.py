"""Per-frame agreement of two Vidi feature caches (format v1) made from the same clips with
different precisions: cosine similarity and relative L2 error of every frame's feature vector,
matched by clip content digest, backbone and view.

    compare.py REFERENCE_CACHE OTHER_CACHE [--backbone ID] [--json]
"""

import argparse
import glob
import json
import struct

import numpy as np


def read(cache, backbone):
    """{(content digest, view): frames × dimension} of the entries for `backbone`."""
    entries = {}
    for path in glob.glob(f"{cache}/*/*.features"):
        with open(path, "rb") as f:
            data = f.read()
        length = struct.unpack("<I", data[12:16])[0]
        header = json.loads(data[16 : 16 + length])
        settings = header["key"]["settings"]
        if settings["backbone"] != backbone:
            continue
        count, dimension = header["frameCount"], header["dimension"]
        payload = data[16 + length : 16 + length + count * dimension * 2]
        frames = np.frombuffer(payload, dtype="<f2").astype(np.float64).reshape(count, dimension)
        mask = np.array(header["mask"], bool)
        entries[(header["key"]["contentDigest"], settings["view"])] = frames[mask]
    return entries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference")
    parser.add_argument("other")
    parser.add_argument("--backbone", default="efficientnet-lite0")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    reference, other = read(args.reference, args.backbone), read(args.other, args.backbone)
    shared = sorted(set(reference) & set(other))
    if not shared:
        raise SystemExit("compare.py: the caches share no clips for this backbone")
    cosines, errors = [], []
    for key in shared:
        a, b = reference[key], other[key]
        n = min(len(a), len(b))
        a, b = a[:n], b[:n]
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        cosines.append(np.where(norms > 0, (a * b).sum(1) / np.maximum(norms, 1e-30), 1.0))
        errors.append(np.linalg.norm(a - b, axis=1) / np.maximum(np.linalg.norm(a, axis=1), 1e-30))
    cosines, errors = np.concatenate(cosines), np.concatenate(errors)
    result = {
        "backbone": args.backbone, "clips": len(shared), "frames": int(len(cosines)),
        "cosine_min": float(cosines.min()), "cosine_p01": float(np.percentile(cosines, 1)),
        "cosine_median": float(np.median(cosines)), "cosine_mean": float(cosines.mean()),
        "frames_below_0.999": int((cosines < 0.999).sum()),
        "rel_l2_median": float(np.median(errors)), "rel_l2_max": float(errors.max()),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{args.backbone}: {result['clips']} clips, {result['frames']} frames; cosine min "
        f"{result['cosine_min']:.5f}, 1st percentile {result['cosine_p01']:.5f}, median "
        f"{result['cosine_median']:.6f}, mean {result['cosine_mean']:.6f}; {result['frames_below_0.999']} frames below 0.999; "
        f"relative L2 error median {result['rel_l2_median']:.4f}, max {result['rel_l2_max']:.4f}"
    )


if __name__ == "__main__":
    main()
