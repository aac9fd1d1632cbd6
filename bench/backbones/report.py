"""Summarises a bench/backbones/run.sh result file as a Markdown table (medians per cell)."""

import json
import statistics
import sys
from collections import defaultdict


def main(path):
    fps = defaultdict(list)
    sgemm = None
    gflop = {"mobilenet-v2": 0.599, "efficientnet-lite0": 0.770, "efficientnet-lite1": 1.200,
             "efficientnet-lite2": 1.719}
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            if "sgemm_gflops" in row:
                sgemm = row["sgemm_gflops"]
                continue
            runtime = "vidi" if row["runtime"] == "vidi" else "ort"
            fps[(row["backbone"], row["batch"], runtime)].append(row["frames_per_second"])
    rounds = max(len(v) for v in fps.values())
    print(f"results: {path} ({rounds} rounds, medians; sgemm {sgemm:.0f} GFLOP/s)\n")
    print("| backbone | batch | Vidi fps | ORT fps | Vidi / ORT | Vidi GFLOP/s | of sgemm |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backbone in gflop:
        batches = sorted({b for (n, b, _) in fps if n == backbone})
        for batch in batches:
            vidi = statistics.median(fps[(backbone, batch, "vidi")])
            ort = statistics.median(fps[(backbone, batch, "ort")])
            rate = vidi * gflop[backbone]
            print(
                f"| {backbone} | {batch} | {vidi:.0f} | {ort:.0f} | {vidi / ort:.2f} "
                f"| {rate:.0f} | {rate / sgemm:.0%} |"
            )


if __name__ == "__main__":
    main(sys.argv[1])
