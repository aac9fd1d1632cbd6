#!/usr/bin/env bash
# Accuracy of Vidi's trained models on a real dataset against scikit-learn peers fitted on the
# very features Vidi cached, over several seeds, printed as one table.
#
#   bench/accuracy/run.sh [--dataset DIR] [--seeds "1 2 3"] [--models "auto linear ..."]
#                         [--augment "crops flip"] [--frames N]
#                         [--cache DIR] [--threads N] [--precision f32|bf16]
#
# Defaults: ../shared/data/ucf101-dev, seeds 1 2 3, models auto linear frame-average gru
# mean-pool, no augmented views, 20 frames, Vidi's default feature cache. `--augment` is passed
# to `vidi extract` and `vidi train` (crops: the squares at both ends of the long side, which
# the models also average at test time; flip: mirrored frames, training only), and the peers
# use the same views the same way; each setting writes its own folder under bench/out/. Every `vidi train` runs with its defaults (5-fold
# cross-validation over the candidates and grids, refit on all training clips); its wall time
# is in the table. The peers (numpy + scikit-learn, in bench/.venv, created when missing) read
# Vidi's cache files, so both sides see the same numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."

dataset=../shared/data/ucf101-dev
seeds="1 2 3"
models="auto linear frame-average gru mean-pool"
cache=""
threads=""
precision=f32
augment=""
frames=20
while [ $# -gt 0 ]; do
  case "$1" in
    --dataset) dataset=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --precision) precision=$2; shift 2 ;;
    --augment) augment=$2; shift 2 ;;
    --frames) frames=$2; shift 2 ;;
    *) echo "usage: $0 [--dataset DIR] [--seeds \"1 2 3\"] [--models \"auto linear\"] [--augment \"crops flip\"] [--frames N] [--cache DIR] [--threads N]" >&2; exit 2 ;;
  esac
done

# VIDI=path/to/vidi skips the build (a binary `swift test` already made, say).
vidi="${VIDI:-}"
if [ -z "$vidi" ]; then
  source bench/swift-flags.sh
  swift build "${flags[@]}" --product vidi >&2
  vidi="$(swift build "${flags[@]}" --show-bin-path)/vidi"
fi
common=(--precision "$precision")
[ -n "$cache" ] && common+=(--cache "$cache")
[ -n "$threads" ] && common+=(--threads "$threads")
features=(--frames "$frames")
for view in $augment; do features+=(--augment "$view"); done

out=bench/out/accuracy
[ -n "$augment" ] && out+="-${augment// /-}"
[ "$frames" != 20 ] && out+="-f$frames"
mkdir -p "$out"
echo "extracting features of $dataset (cached clips are skipped)" >&2
"$vidi" extract "$dataset" "${features[@]}" "${common[@]}" >&2

for seed in $seeds; do
  for model in $models; do
    name="$model-seed$seed"
    echo "training $name" >&2
    start=$(date +%s.%N)
    "$vidi" train "$dataset" --out "$out/$name.vidi" --model "$model" --seed "$seed" --json --force \
      "${features[@]}" "${common[@]}" > "$out/$name.train.json" 2> "$out/$name.train.log"
    end=$(date +%s.%N)
    python3 -c "print($end - $start)" > "$out/$name.seconds"
    "$vidi" evaluate "$out/$name.vidi" "$dataset" --json "${common[@]}" > "$out/$name.eval.json"
  done
done

if ! bench/.venv/bin/python -c "import numpy, sklearn" 2>/dev/null; then
  [ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet numpy scikit-learn
fi
cache_dir=${cache:-${VIDI_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/vidi}/features}
bench/.venv/bin/python bench/accuracy/report.py --cache "$cache_dir" --dataset "$dataset" \
  --out "$out" --seeds "$seeds" --models "$models" --precision "$precision" \
  --frames "$frames" --augment "$augment"
