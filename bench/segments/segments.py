"""bench/segments: builds long videos from a dataset's test clips with known boundaries, runs
`vidi predict --segments` on them, and scores the segments with the standard temporal
segmentation metrics (frame-wise accuracy, segmental edit score, F1@{0.10,0.25,0.50}, as in
MS-TCN's evaluation) for each smoothing; then measures "none of these" (leave one class out of
training: AUROC of known vs unknown test clips on the score `--reject auto` applies and on the
max probability, and the known clips' accuracy at the calibrated threshold). Standard library only."""
import argparse, json, os, random, subprocess, sys, time

FPS = 25
WIDTH, HEIGHT = 320, 240

parser = argparse.ArgumentParser()
parser.add_argument("--vidi", required=True)
parser.add_argument("--dataset", default="../shared/data/ucf101-dev")
parser.add_argument("--unknown", default="BandMarching", help="class left out, or 'all'")
parser.add_argument("--videos", type=int, default=8)
parser.add_argument("--clips", type=int, default=6, help="known clips per video")
parser.add_argument("--filler", type=float, default=0.5, help="chance of background between clips")
parser.add_argument("--model", default="linear")
parser.add_argument("--stride", type=float, default=None)
parser.add_argument("--window", type=float, default=None)
parser.add_argument("--smoothing", default="none median:5 viterbi:1 viterbi:2 viterbi:4")
parser.add_argument("--reject", default="auto", help="vidi predict --reject for the segments")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--out", default="bench/out/segments")
args = parser.parse_args()


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def run(command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def classes_of(split):
    return sorted(os.listdir(f"{args.dataset}/{split}"))


def clips_of(split, label):
    folder = f"{args.dataset}/{split}/{label}"
    return [f"{folder}/{name}" for name in sorted(os.listdir(folder))]


def known_dataset(unknown):
    """A dataset folder without `unknown`: symlinks to the other classes."""
    root = os.path.abspath(f"{args.out}/known-without-{unknown}")
    for split in ("train", "test"):
        os.makedirs(f"{root}/{split}", exist_ok=True)
        for label in classes_of(split):
            link = f"{root}/{split}/{label}"
            if label != unknown and not os.path.exists(link):
                os.symlink(os.path.abspath(f"{args.dataset}/{split}/{label}"), link)
    return root


def train(unknown):
    model = f"{args.out}/model-without-{unknown}.vidi"
    if not os.path.exists(model):
        log(f"training {args.model} without {unknown}")
        run([args.vidi, "train", known_dataset(unknown), "--out", model, "--model", args.model,
             "--force"], stdout=subprocess.DEVNULL)
    return model


def normalised(clip, folder):
    """The clip re-encoded at 320×240, 25 fps; returns its path and frame count."""
    name = f"{folder}/{os.path.basename(clip)}.mp4"
    if not os.path.exists(name):
        run(["ffmpeg", "-v", "error", "-y", "-i", clip, "-an", "-vf",
             f"scale={WIDTH}:{HEIGHT},setsar=1,fps={FPS}", "-c:v", "libx264", "-preset",
             "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", name])
    frames = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", name],
        check=True, capture_output=True, text=True).stdout.strip()
    return name, int(frames)


def build_videos(unknown):
    """Long videos of known test clips of different classes, with clips of `unknown` as
    background filler; each with its ground truth (label per frame at 25 fps)."""
    rng = random.Random(args.seed)
    folder = f"{args.out}/clips"
    os.makedirs(folder, exist_ok=True)
    known = [c for c in classes_of("test") if c != unknown]
    pools = {label: clips_of("test", label) for label in known}
    fillers = clips_of("test", unknown)
    videos = []
    for number in range(args.videos):
        parts, previous = [], None
        for _ in range(args.clips):
            if rng.random() < args.filler:
                parts.append((rng.choice(fillers), "background"))
            label = rng.choice([c for c in known if c != previous])
            parts.append((rng.choice(pools[label]), label))
            previous = label
        path = f"{args.out}/long-{unknown}-filler{args.filler:g}-seed{args.seed}-{number}.mp4"
        truth = []
        inputs, filters = [], []
        for index, (clip, label) in enumerate(parts):
            name, frames = normalised(clip, folder)
            truth += [label] * frames
            inputs += ["-i", name]
            filters.append(f"[{index}:v]")
        if not os.path.exists(path):
            graph = "".join(filters) + f"concat=n={len(parts)}:v=1:a=0[v]"
            run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[v]",
                 "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                 "-r", str(FPS), path])
        with open(path + ".truth.json", "w") as f:
            json.dump({"video": path, "fps": FPS, "parts": [[c, l] for c, l in parts],
                       "frames": truth}, f)
        videos.append((path, truth))
    return videos


def frame_labels(result, count):
    labels = ["background"] * count
    for segment in result["segments"]:
        start = int(round(segment["start"] * FPS))
        end = min(count, int(round(segment["end"] * FPS)))
        for frame in range(start, end):
            labels[frame] = segment["label"]
    return labels


def runs(labels):
    """(label, start, end) for each run of equal labels."""
    out, start = [], 0
    for index in range(1, len(labels) + 1):
        if index == len(labels) or labels[index] != labels[start]:
            out.append((labels[start], start, index))
            start = index
    return out


def edit_score(predicted, truth):
    p, t = [r[0] for r in runs(predicted)], [r[0] for r in runs(truth)]
    d = list(range(len(t) + 1))
    for i in range(1, len(p) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(t) + 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (p[i - 1] != t[j - 1]))
    return (1 - d[len(t)] / max(len(p), len(t))) * 100


def f1_counts(predicted, truth, overlap):
    """MS-TCN's F1@k: a predicted segment is a true positive when its IoU with the
    not-yet-matched true segment of its label it overlaps most is at least `overlap`."""
    p, t = runs(predicted), runs(truth)
    used = [False] * len(t)
    tp = fp = 0
    for label, start, end in p:
        best, best_iou = -1, 0.0
        for index, (tl, ts, te) in enumerate(t):
            if tl != label:
                continue
            inter = max(0, min(end, te) - max(start, ts))
            union = max(end, te) - min(start, ts)
            if union and inter / union > best_iou:
                best, best_iou = index, inter / union
        if best_iou >= overlap and not used[best]:
            tp += 1
            used[best] = True
        else:
            fp += 1
    return tp, fp, len(t) - sum(used)


def score(videos, results):
    correct = total = 0
    edits = []
    counts = {k: [0, 0, 0] for k in (0.10, 0.25, 0.50)}
    for (path, truth), result in zip(videos, results):
        predicted = frame_labels(result, len(truth))
        correct += sum(a == b for a, b in zip(predicted, truth))
        total += len(truth)
        edits.append(edit_score(predicted, truth))
        for k in counts:
            for i, v in enumerate(f1_counts(predicted, truth, k)):
                counts[k][i] += v
    f1 = {}
    for k, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else 0
        recall = tp / (tp + fn) if tp + fn else 0
        f1[k] = 2 * precision * recall / (precision + recall) * 100 if precision + recall else 0
    return correct / total, sum(edits) / len(edits), f1


def segment(model, videos, smoothing):
    command = [args.vidi, "predict", model, *[v for v, _ in videos], "--segments", "--json",
               "--smoothing", smoothing, "--reject", args.reject]
    if args.stride:
        command += ["--stride", str(args.stride)]
    if args.window:
        command += ["--window", str(args.window)]
    start = time.time()
    out = run(command, capture_output=True, text=True).stdout
    return json.loads(out), time.time() - start


def auroc(known, unknown):
    """Probability that a known clip scores above an unknown one (ties count half)."""
    wins = sum((k > u) + 0.5 * (k == u) for k in known for u in unknown)
    return wins / (len(known) * len(unknown))


def rejection(unknown, model):
    known_clips = [(c, label) for label in classes_of("test") if label != unknown
                   for c in clips_of("test", label)]
    unknown_clips = clips_of("test", unknown)
    def predict(clips):
        out = run([args.vidi, "predict", model, *clips, "--json", "--top-k", "1"],
                  capture_output=True, text=True).stdout
        return json.loads(out)
    known = predict([c for c, _ in known_clips])
    unknown_results = predict(unknown_clips)
    calibration = json.load(open(f"{model}/config.json"))["calibration"]
    # The score `--reject auto` applies: the feature-space one when the model has it.
    feature = calibration.get("featureRejection")
    rule = feature or calibration["rejection"]
    key = (lambda r: r["feature_score"]) if feature else (lambda r: r["predictions"][0]["probability"])
    known_scores = [key(r) for r in known]
    unknown_scores = [key(r) for r in unknown_results]
    probability = lambda r: r["predictions"][0]["probability"]
    threshold = rule["threshold"]
    # The threshold `--segments` applies to windows, when the model calibrated one.
    window = (feature or {}).get("window") or {}
    accepted_right = sum(r["predictions"][0]["label"] == label and "rejection" not in r
                         for r, (_, label) in zip(known, known_clips))
    plain_right = sum(r["predictions"][0]["label"] == label for r, (_, label) in zip(known, known_clips))
    return {
        "unknown": unknown, "threshold": threshold, "score": rule["score"],
        "window_threshold": window.get("threshold"),
        "auroc": auroc(known_scores, unknown_scores),
        "auroc_max_probability": auroc([probability(r) for r in known],
                                       [probability(r) for r in unknown_results]),
        "known_accuracy_plain": plain_right / len(known),
        "known_accuracy_at_threshold": accepted_right / len(known),
        "known_accepted": sum("rejection" not in r for r in known) / len(known),
        "unknown_rejected": sum("rejection" in r for r in unknown_results) / len(unknown_results),
    }


def main():
    os.makedirs(args.out, exist_ok=True)
    classes = classes_of("train")
    unknowns = classes if args.unknown == "all" else [args.unknown]
    primary = args.unknown if args.unknown != "all" else "BandMarching"
    model = train(primary)
    log("building long videos")
    videos = build_videos(primary)
    seconds = sum(len(t) for _, t in videos) / FPS
    rows = []
    for smoothing in args.smoothing.split():
        results, wall = segment(model, videos, smoothing)
        results = results if isinstance(results, list) else [results]
        accuracy, edit, f1 = score(videos, results)
        rows.append((smoothing, accuracy, edit, f1, wall))
    window = results[0]["window"]
    threshold = results[0].get("reject_threshold")
    applied = "" if threshold is None else f" ({results[0]['reject_score']} below {threshold:.3f})"
    print(f"Segments: {len(videos)} videos, {seconds:.0f} s of video "
          f"({args.clips} known clips each, {primary} filler as background), model "
          f"{args.model}; window {window['window_seconds']:.2f} s, stride "
          f"{window['stride_seconds']:.2f} s, reject {args.reject}{applied}")
    print()
    print("| smoothing | frame acc | edit | F1@0.10 | F1@0.25 | F1@0.50 | × real time |")
    print("|---|---|---|---|---|---|---|")
    for smoothing, accuracy, edit, f1, wall in rows:
        print(f"| {smoothing} | {accuracy:.3f} | {edit:.1f} | {f1[0.10]:.1f} | {f1[0.25]:.1f} "
              f"| {f1[0.50]:.1f} | {seconds / wall:.0f}× |")
    print()
    print("| left out | score | threshold | window threshold | AUROC known vs unknown | AUROC of max probability | known acc (no reject) | known acc at threshold | known accepted | unknown rejected |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    measures = []
    for unknown in unknowns:
        m = rejection(unknown, train(unknown))
        measures.append(m)
        windowed = "" if m["window_threshold"] is None else f"{m['window_threshold']:.3f}"
        print(f"| {unknown} | {m['score']} | {m['threshold']:.3f} | {windowed} | {m['auroc']:.3f} "
              f"| {m['auroc_max_probability']:.3f} | {m['known_accuracy_plain']:.3f} "
              f"| {m['known_accuracy_at_threshold']:.3f} | {m['known_accepted']:.3f} "
              f"| {m['unknown_rejected']:.3f} |", flush=True)
    if len(measures) > 1:
        mean = lambda key: sum(m[key] for m in measures) / len(measures)
        print(f"| mean | | | | {mean('auroc'):.3f} | {mean('auroc_max_probability'):.3f} "
              f"| {mean('known_accuracy_plain'):.3f} "
              f"| {mean('known_accuracy_at_threshold'):.3f} | {mean('known_accepted'):.3f} "
              f"| {mean('unknown_rejected'):.3f} |")


main()
