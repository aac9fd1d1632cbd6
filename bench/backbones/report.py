"""Summarises a bench/backbones/run.sh result file as Markdown: medians per runner, and per
round the ratio of Vidi's fastest precision to each peer (runs of one round are back to back,
so their ratio is what a busy machine leaves comparable)."""

import json
import statistics
import sys
from collections import defaultdict

RUNNERS = [
    ("vidi", "f32", "Vidi f32"),
    ("vidi", "bf16", "Vidi bf16"),
    ("onnxruntime", "f32", "ORT f32"),
    ("openvino", "f32", "OpenVINO f32"),
    ("openvino", "bf16", "OpenVINO bf16"),
]
BACKBONES = ("mobilenet-v2", "efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")
PEERS = [("onnxruntime", "f32", "ORT"), ("openvino", "f32", "OV f32"), ("openvino", "bf16", "OV bf16")]


def load(path):
    """fps[(backbone, batch, engine, precision)][round] and the load averages seen."""
    fps = defaultdict(dict)
    loads, sgemm, current = [], None, 0
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            if "sgemm_gflops" in row:
                sgemm = row["sgemm_gflops"]
            elif "load_average" in row:
                current = row["round"]
                loads.append(row["load_average"])
            else:
                engine = row["runtime"].split()[0]
                key = (row["backbone"], row["batch"], engine, row.get("precision", "f32"))
                fps[key][current] = row["frames_per_second"]
    return fps, loads, sgemm


def main(path):
    fps, loads, sgemm = load(path)
    rounds = max(len(v) for v in fps.values())
    load_text = f"load average {min(loads):.1f}-{max(loads):.1f}" if loads else "load not recorded"
    sgemm_text = f"sgemm {sgemm:.0f} GFLOP/s" if sgemm else "no sgemm"
    print(f"results: {path} ({rounds} rounds, medians; {sgemm_text}; {load_text})\n")
    present = [r for r in RUNNERS if any(k[2:] == r[:2] for k in fps)]
    head = " | ".join(f"{name} fps" for _, _, name in present)
    ratio_head = " | ".join(f"Vidi best / {name} per round" for _, _, name in PEERS)
    print(f"| backbone | batch | {head} | {ratio_head} |")
    print("| --- | ---: |" + " ---: |" * len(present) + " --- |" * len(PEERS))
    for backbone in BACKBONES:
        for batch in sorted({k[1] for k in fps if k[0] == backbone}):
            cells = []
            for engine, precision, _ in present:
                values = list(fps.get((backbone, batch, engine, precision), {}).values())
                cells.append(f"{statistics.median(values):.0f}" if values else "-")
            vidi = [fps.get((backbone, batch, "vidi", p), {}) for p in ("f32", "bf16")]
            ratios = []
            for engine, precision, _ in PEERS:
                peer = fps.get((backbone, batch, engine, precision), {})
                per_round = [
                    max(v[r] for v in vidi if r in v) / peer[r]
                    for r in sorted(peer)
                    if any(r in v for v in vidi)
                ]
                ratios.append(", ".join(f"{x:.2f}" for x in per_round) or "-")
            print(f"| {backbone} | {batch} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
