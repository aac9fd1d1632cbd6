#!/usr/bin/env bash
# Whether bfloat16 frame encoding changes what the features say, measured on a real dataset:
# `vidi extract` in f32 and in bf16 into two fresh caches (timed), the per-frame cosine
# similarity of the two (compare.py), then a model trained on the f32 features evaluated on the
# test split with f32 and with bf16 features, and one trained and evaluated on bf16 features.
#
#   bench/precision/run.sh [--dataset DIR] [--backbone ID] [--model KIND] [--threads T]
#
# Defaults: ../shared/data/ucf101-dev, efficientnet-lite0, gru, 2 threads. Needs a CPU with
# AVX512-BF16. Results go to bench/out/precision/; numpy comes from bench/.venv (made by
# bench/backbones/run.sh) or is installed there.
set -euo pipefail
cd "$(dirname "$0")/../.."

dataset=../shared/data/ucf101-dev
backbone=efficientnet-lite0
model=gru
threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --dataset) dataset=$2; shift 2 ;;
    --backbone) backbone=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

source bench/swift-flags.sh
swift build "${flags[@]}" --product vidi >&2
vidi="$(swift build "${flags[@]}" --show-bin-path)/vidi"

python=bench/.venv/bin/python
if ! "$python" -c "import numpy" 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet numpy==2.4.6
fi

out="bench/out/precision/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
echo "run.sh: load average $(cut -d' ' -f1-3 /proc/loadavg); results in $out" >&2
for precision in f32 bf16; do
  start=$(date +%s%N)
  "$vidi" extract "$dataset" --backbone "$backbone" --precision "$precision" \
    --cache "$out/cache-$precision" --threads "$threads" --json > "$out/extract-$precision.json"
  echo "extract $precision: $((($(date +%s%N) - start) / 1000000)) ms" | tee -a "$out/summary.txt"
done
"$python" bench/precision/compare.py "$out/cache-f32" "$out/cache-bf16" --backbone "$backbone" \
  | tee -a "$out/summary.txt"

accuracy() {  # accuracy MODEL PRECISION
  "$vidi" evaluate "$1" "$dataset" --precision "$2" --cache "$out/cache-$2" \
    --threads "$threads" --json | "$python" -c 'import json, sys; print(json.load(sys.stdin)["accuracy"])'
}
for trained in f32 bf16; do
  "$vidi" train "$dataset" --backbone "$backbone" --precision "$trained" --model "$model" \
    --seed 1 --cache "$out/cache-$trained" --threads "$threads" --out "$out/$trained.vidi" \
    --json > "$out/train-$trained.json"
  for features in f32 bf16; do
    echo "$model trained on $trained features, test accuracy on $features features:" \
      "$(accuracy "$out/$trained.vidi" "$features")" | tee -a "$out/summary.txt"
  done
done
