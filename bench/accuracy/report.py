"""Prints the accuracy table of bench/accuracy/run.sh: Vidi's models (test accuracy from
`vidi evaluate --json`, training time, what `auto` chose) and scikit-learn peers fitted on the
features in Vidi's cache (format v1: "VIDIFEAT", a JSON header, float16 frames), clips matched
to the dataset's train/ and test/ folders by SHA-256 as Vidi keys them."""
import argparse, glob, hashlib, json, os, struct
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--cache", required=True)
parser.add_argument("--dataset", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--seeds", required=True)
parser.add_argument("--models", required=True)
parser.add_argument("--backbone", default="efficientnet-lite0")
parser.add_argument("--precision", default="f32", help="the features' precision, as extracted")
parser.add_argument("--frames", type=int, default=20)
parser.add_argument("--augment", default="", help="vidi's --augment words: crops, flip")
args = parser.parse_args()
# The views the peers train on, and those they average at test time, as `vidi train
# --augment` makes them: flips train only, the end squares train and test.
train_views = ["original"] + (["flip"] if "flip" in args.augment.split() else []) + (
    ["start-crop", "end-crop"] if "crops" in args.augment.split() else [])
test_views = [v for v in train_views if v != "flip"]
seeds = args.seeds.split()
models = args.models.split()


def content_digest(path):
    """Vidi's cache key digest (CacheKey.init(clipAt:)): SHA-256 of the whole file."""
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def dataset_digests(root):
    by_digest = {}
    for split in ("train", "test"):
        for label in sorted(os.listdir(f"{root}/{split}")):
            for name in sorted(os.listdir(f"{root}/{split}/{label}")):
                by_digest[content_digest(f"{root}/{split}/{label}/{name}")] = (label, split)
    return by_digest


def cached_features(cache, by_digest, backbone, frames, views):
    """The valid frames of every cached view of the dataset's clips, keyed by (digest, view).
    Entries of an older key scheme (different frames for the same settings) stay in the cache
    and their headers do not name the scheme, so the newest file of a clip and view wins: the
    one the `vidi extract` of this run wrote or found."""
    features = {}
    for path in sorted(glob.glob(f"{cache}/*/*.features"), key=os.path.getmtime):
        data = open(path, "rb").read()
        length = struct.unpack("<I", data[12:16])[0]
        header = json.loads(data[16:16 + length])
        key = header["key"]
        settings = key["settings"]
        view = settings.get("view", "original")
        if view not in views or settings.get("backbone") != backbone:
            continue
        if settings.get("frameCount", frames) != frames or key["contentDigest"] not in by_digest:
            continue
        if (settings.get("precision") or "f32") != args.precision:
            continue
        n, d = header["frameCount"], header["dimension"]
        x = np.frombuffer(data[16 + length:16 + length + n * d * 2], dtype="<f2")
        x = x.astype(np.float32).reshape(n, d)
        features[(key["contentDigest"], view)] = (
            x[np.array(header["mask"], bool)], by_digest[key["contentDigest"]])
    return features


features = cached_features(
    args.cache, dataset_digests(args.dataset), args.backbone, args.frames, train_views)
classes = sorted({label for _, (label, _) in features.values()})
digests = sorted({digest for digest, _ in features})
label_of = {d: classes.index(c) for (d, _), (_, (c, _)) in features.items()}
split_of = {d: s for (d, _), (_, (_, s)) in features.items()}
train_rows = [(features[(d, v)][0], label_of[d]) for d in digests if split_of[d] == "train"
              for v in train_views if (d, v) in features]
test_clips = [d for d in digests if split_of[d] == "test"
              and all((d, v) in features for v in test_views)]
yte = np.array([label_of[d] for d in test_clips])
Xtr = np.stack([x.mean(0) for x, _ in train_rows]); ytr = np.array([y for _, y in train_rows])


def averaged(probabilities):
    """Each test clip's predicted class from `probabilities(frames)` averaged over its views."""
    return np.array([np.mean([probabilities(features[(d, v)][0]) for v in test_views], 0).argmax()
                     for d in test_clips])


peers = {}
views_note = "" if train_views == ["original"] else f", views {'+'.join(train_views)}"
for c in (1.0, 10.0):
    lr = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000)).fit(Xtr, ytr)
    predicted = averaged(lambda x: lr.predict_proba(x.mean(0, keepdims=True))[0])
    peers[f"scikit-learn LR on mean features (C={c:g}{views_note})"] = float(np.mean(predicted == yte))
Ftr = np.concatenate([x for x, _ in train_rows])
Fy = np.concatenate([[y] * len(x) for x, y in train_rows])
frame = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000)).fit(Ftr, Fy)
predicted = averaged(lambda x: frame.predict_proba(x).mean(0))
peers[f"scikit-learn per-frame LR, averaged (C=1{views_note})"] = float(np.mean(predicted == yte))


def vidi(model, seed):
    stem = f"{args.out}/{model}-seed{seed}"
    accuracy = json.load(open(f"{stem}.eval.json"))["accuracy"]
    trained = json.load(open(f"{stem}.train.json"))
    seconds = float(open(f"{stem}.seconds").read())
    chosen = trained.get("chosen") or trained["type"] + (
        f" ({trained['chosen_setting']})" if trained.get("chosen_setting") else "")
    return accuracy, seconds, chosen


print(f"{sum(split_of[d] == 'train' for d in digests)} training and {len(test_clips)} test clips, "
      f"{len(classes)} classes, {args.backbone} {args.precision} features ({args.frames} frames; "
      f"training views {'+'.join(train_views)}, test views {'+'.join(test_views)}) "
      "from Vidi's cache; test accuracy\n")
print("| model | " + " | ".join(f"seed {s}" for s in seeds) + " | mean | spread | train s | chosen |")
print("|---|" + "---:|" * (len(seeds) + 3) + "---|")
for model in models:
    rows = [vidi(model, s) for s in seeds]
    accuracies = [a for a, _, _ in rows]
    chosen = sorted({c for _, _, c in rows})
    flags = "".join(f" --augment {a}" for a in args.augment.split())
    flags += f" --frames {args.frames}" if args.frames != 20 else ""
    print(f"| vidi train --model {model}{flags} | " + " | ".join(f"{a:.3f}" for a in accuracies)
          + f" | {np.mean(accuracies):.3f} | {max(accuracies) - min(accuracies):.3f} | "
          + f"{np.mean([t for _, t, _ in rows]):.0f} | {', '.join(chosen)} |")
for name, accuracy in peers.items():
    print(f"| {name} | " + " | ".join(f"{accuracy:.3f}" for _ in seeds)
          + f" | {accuracy:.3f} | 0.000 | | |")
