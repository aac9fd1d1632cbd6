"""Records and summarises bench/pipeline/run.sh results (medians over rounds, Markdown).

    report.py record ROW ROUND TIME_FILE OUTPUT_FILE    one JSON line for the results file
    report.py check-status STATUS_JSON CLIPS            the shard processes filled the cache
    report.py table RESULTS [--features VIDI PYTHON]    the tables, and the feature check
"""

import argparse
import json
import statistics
import sys

import numpy as np

ROWS = {
    "vidi": "`vidi extract` (uniform 20, batched per clip)",
    "vidi-baseline": "`vidi extract`, the `--baseline` build",
    "python-batched": "Python: OpenCV + ONNX Runtime, uniform 20, batched per clip",
    "python-per-frame": "Python classic: decode all, first 20, one call per frame",
}


def record(args):
    with open(args.time_file) as f:
        wall, rss, user, system = f.read().splitlines()[-1].split()
    with open(args.output_file) as f:
        output = json.loads(f.read())
    print(json.dumps({"row": args.row, "round": args.round, "wall": float(wall),
                      "rss_kb": int(rss), "cpu": float(user) + float(system),
                      "load": load_average(),
                      "output": output}))


def load_average():
    """The machine's 1-minute load average: how busy it was with this and everything else."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def check_status(args):
    with open(args.status) as f:
        status = json.load(f)
    if (status["cached"], status["missing"], status["failed"]) != (args.clips, 0, 0):
        sys.exit(f"report.py: {args.status}: the two shards left {status['missing']} missing "
                 f"and {status['failed']} failed clips")


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            entry = json.loads(line)
            rows.setdefault(entry["row"], []).append(entry)
    return rows


def median(entries, value):
    return statistics.median(value(e) for e in entries)


def frames_encoded(entry):
    output = entry["output"]
    return output.get("frames_encoded", output.get("framesEncoded"))


def per_round(rows, row, reference):
    """Wall time of `row` over that of `reference` in the same round, for every round."""
    walls = {e["round"]: e["wall"] for e in rows[reference]}
    return [e["wall"] / walls[e["round"]] for e in rows[row] if e["round"] in walls]


def main_table(rows):
    rounds = len(rows["vidi"])
    busy = median([e for entries in rows.values() for e in entries if "load" in e],
                  lambda e: e["load"])
    print(f"{rounds} round(s), medians; process start to exit (loading the model included); "
          f"median 1-minute load average at the end of a run: {busy:.1f}\n")
    print("| pipeline | clips/s | frames/s | Vidi ahead by (per-round ratios) | CPU s per clip "
          "| peak RSS |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row, name in ROWS.items():
        if row not in rows:
            continue
        entries = rows[row]
        clips = entries[0]["output"].get("total", entries[0]["output"].get("clips"))
        rate = median(entries, lambda e: clips / e["wall"])
        frames = median(entries, lambda e: frames_encoded(e) / e["wall"])
        rss = median(entries, lambda e: e["rss_kb"]) / 1024
        cpu = median(entries, lambda e: e["cpu"] / clips)
        ratios = per_round(rows, row, "vidi")
        ahead = f"{statistics.median(ratios):.2f}× (" + ", ".join(f"{r:.2f}" for r in ratios) + ")"
        print(f"| {name} | {rate:.2f} | {frames:.1f} | {'—' if row == 'vidi' else ahead} "
              f"| {cpu:.2f} | {rss:.0f} MB |")
    if "vidi-baseline" in rows and "python-batched" in rows:
        ratios = [1 / r for r in per_round(rows, "vidi-baseline", "python-batched")]
        print("\nThe `--baseline` build ahead of the batched peer: "
              f"{statistics.median(ratios):.2f}× (" + ", ".join(f"{r:.2f}" for r in ratios) + ")")


def stages_table(rows):
    print("\nWhere the time goes (medians). Vidi: processor seconds per stage summed over its "
          "threads (decode runs on its own thread beside the encoders); Python: wall seconds "
          "of each step in its loop (ONNX Runtime's encode uses the threads in parallel).\n")
    print("| pipeline | wall s | in-loop s | decode s | encode s | other s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row, name in ROWS.items():
        if row not in rows:
            continue
        entries = rows[row]
        out = lambda e: e["output"]  # noqa: E731
        stage = lambda key: median(entries, lambda e: out(e)["stage_seconds"][key])  # noqa: E731
        wall = median(entries, lambda e: e["wall"])
        loop = median(entries, lambda e: out(e)["seconds"])
        if row.startswith("vidi"):
            other = stage("lookup") + stage("store")
        else:
            times = lambda e: out(e)["stage_seconds"]  # noqa: E731
            other = median(entries, lambda e: out(e)["seconds"] - times(e)["decode"]
                           - times(e)["encode"])
        print(f"| {row} | {wall:.1f} | {loop:.1f} | {stage('decode'):.1f} | "
              f"{stage('encode'):.1f} | {other:.1f} |")


def scaling_table(rows):
    if "one-process" not in rows or "two-processes" not in rows:
        return
    clips = rows["one-process"][0]["output"]["total"]
    one = median(rows["one-process"], lambda e: e["wall"])
    two = median(rows["two-processes"], lambda e: e["wall"])
    speedups = [1 / r for r in per_round(rows, "two-processes", "one-process")]
    shard_rss = max(median(rows[s], lambda e: e["rss_kb"]) for s in ("shard-0", "shard-1"))
    print("\n`vidi extract --threads 1`: one process on every clip against two concurrent "
          "processes, `--shard 0/2` and `--shard 1/2`, sharing one cache\n")
    one_cpu = median(rows["one-process"], lambda e: e["cpu"])
    two_cpu = median(rows["shard-0"], lambda e: e["cpu"]) + median(rows["shard-1"], lambda e: e["cpu"])
    print("| processes | wall s | clips/s | speed-up (per-round) | CPU s per clip "
          "| peak RSS per process |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    rss = median(rows["one-process"], lambda e: e["rss_kb"]) / 1024
    print(f"| 1 | {one:.1f} | {clips / one:.2f} | 1.00 | {one_cpu / clips:.2f} | {rss:.0f} MB |")
    spread = ", ".join(f"{r:.2f}" for r in speedups)
    print(f"| 2 | {two:.1f} | {clips / two:.2f} | {statistics.median(speedups):.2f}× ({spread}) "
          f"| {two_cpu / clips:.2f} | {shard_rss / 1024:.0f} MB |")


def feature_check(vidi_path, python_path):
    print("\nSame work: cosine similarity of Vidi's and the batched peer's features, frame by "
          "frame\n")
    with open(vidi_path) as f:
        vidi = [json.loads(line) for line in f]
    with open(python_path) as f:
        python = [json.loads(line) for line in f]
    for v, p in zip(vidi, python):
        a, b = np.array(v["features"]), np.array(p["features"])
        same = v["frame_indices"] == p["frame_indices"]
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        print(f"- {v['path'].rsplit('/', 2)[-2]}/{v['path'].rsplit('/', 1)[-1]}: "
              f"{len(cos)} frames, {'same' if same else 'DIFFERENT'} frame indices, "
              f"cosine min {cos.min():.4f}, mean {cos.mean():.4f}")


def table(args):
    rows = load(args.results)
    print(f"results: {args.results}\n")
    main_table(rows)
    stages_table(rows)
    scaling_table(rows)
    if args.features:
        feature_check(*args.features)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("record")
    command.add_argument("row")
    command.add_argument("round", type=int)
    command.add_argument("time_file")
    command.add_argument("output_file")
    command = commands.add_parser("check-status")
    command.add_argument("status")
    command.add_argument("clips", type=int)
    command = commands.add_parser("table")
    command.add_argument("results")
    command.add_argument("--features", nargs=2)
    args = parser.parse_args()
    {"record": record, "check-status": check_status, "table": table}[args.command](args)


if __name__ == "__main__":
    main()
