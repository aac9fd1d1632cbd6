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
args = parser.parse_args()
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


def cached_features(cache, by_digest, backbone, frames=20):
    """The mean-poolable valid frames of every cached clip of the dataset, keyed by digest."""
    features = {}
    for path in glob.glob(f"{cache}/*/*.features"):
        data = open(path, "rb").read()
        length = struct.unpack("<I", data[12:16])[0]
        header = json.loads(data[16:16 + length])
        key = header["key"]
        settings = key["settings"]
        if settings.get("view", "original") != "original" or settings.get("backbone") != backbone:
            continue
        if settings.get("frameCount", frames) != frames or key["contentDigest"] not in by_digest:
            continue
        if (settings.get("precision") or "f32") != args.precision:
            continue
        n, d = header["frameCount"], header["dimension"]
        x = np.frombuffer(data[16 + length:16 + length + n * d * 2], dtype="<f2")
        x = x.astype(np.float32).reshape(n, d)
        features[key["contentDigest"]] = (x[np.array(header["mask"], bool)], by_digest[key["contentDigest"]])
    return features


features = cached_features(args.cache, dataset_digests(args.dataset), args.backbone)
classes = sorted({label for _, (label, _) in features.values()})
split = lambda name: [(x, classes.index(c)) for x, (c, s) in features.values() if s == name]
train, test = split("train"), split("test")
Xtr = np.stack([x.mean(0) for x, _ in train]); ytr = np.array([y for _, y in train])
Xte = np.stack([x.mean(0) for x, _ in test]); yte = np.array([y for _, y in test])
peers = {}
lr = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000)).fit(Xtr, ytr)
peers["scikit-learn LR on mean features (C=1)"] = lr.score(Xte, yte)
Ftr = np.concatenate([x for x, _ in train]); Fy = np.concatenate([[y] * len(x) for x, y in train])
frame = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000)).fit(Ftr, Fy)
predicted = [frame.predict_proba(x).mean(0).argmax() for x, _ in test]
peers["scikit-learn per-frame LR, averaged (C=1)"] = float(np.mean(np.array(predicted) == yte))


def vidi(model, seed):
    stem = f"{args.out}/{model}-seed{seed}"
    accuracy = json.load(open(f"{stem}.eval.json"))["accuracy"]
    trained = json.load(open(f"{stem}.train.json"))
    seconds = float(open(f"{stem}.seconds").read())
    chosen = trained.get("chosen") or trained["type"] + (
        f" ({trained['chosen_setting']})" if trained.get("chosen_setting") else "")
    return accuracy, seconds, chosen


print(f"{len(train)} training and {len(test)} test clips, {len(classes)} classes, "
      f"{args.backbone} {args.precision} features from Vidi's cache; test accuracy\n")
print("| model | " + " | ".join(f"seed {s}" for s in seeds) + " | mean | spread | train s | chosen |")
print("|---|" + "---:|" * (len(seeds) + 3) + "---|")
for model in models:
    rows = [vidi(model, s) for s in seeds]
    accuracies = [a for a, _, _ in rows]
    chosen = sorted({c for _, _, c in rows})
    print(f"| vidi train --model {model} | " + " | ".join(f"{a:.3f}" for a in accuracies)
          + f" | {np.mean(accuracies):.3f} | {max(accuracies) - min(accuracies):.3f} | "
          + f"{np.mean([t for _, t, _ in rows]):.0f} | {', '.join(chosen)} |")
for name, accuracy in peers.items():
    print(f"| {name} | " + " | ".join(f"{accuracy:.3f}" for _ in seeds)
          + f" | {accuracy:.3f} | 0.000 | | |")
