#!/usr/bin/env bash
# End to end, a folder of clips to cached per-frame features: `vidi extract` against the same
# work done in Python the common way (OpenCV + ONNX Runtime, batched per clip) and the classic
# per-frame tutorial pipeline; then 1 against 2 single-threaded `vidi extract` shard processes.
#
#   bench/pipeline/run.sh [--clips N] [--rounds R] [--threads T] [--seed S] [--no-scaling]
#                         [--no-classic] [--baseline VIDI]
#
# Builds vidi and the bench helper (release, tuned for this CPU as the Makefile does), writes
# the dataset once (N clips of 320x240 MPEG-4 AVI, 5-10 s at 25 fps, cached in bench/out/),
# makes a throw-away virtual environment bench/.venv (opencv-python-headless, onnxruntime, onnx,
# numpy from PyPI), then runs R rounds, alternating the order each round; every run is a fresh
# process timed from start to exit with /usr/bin/time (wall time and peak RSS). Each `vidi
# extract` writes to a fresh feature cache. Results go to bench/out/pipeline/*.jsonl; the table
# shows medians over the rounds. On a shared machine compare the ratios, not the rates.
# --baseline runs another `vidi` binary (say, a build of main) as one more row of every round,
# so a change is measured against what it changes in the same conditions; --no-classic leaves
# out the slow per-frame Python loop.
set -euo pipefail
cd "$(dirname "$0")/../.."

clips=200
rounds=3
threads=2
seed=7
scaling=1
classic=1
baseline=
while [ $# -gt 0 ]; do
  case "$1" in
    --clips) clips=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --no-scaling) scaling=0; shift ;;
    --no-classic) classic=0; shift ;;
    --baseline) baseline=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

source bench/model-cache.sh
if [ ! -f "$models/efficientnet-lite0/efficientnet-lite0-57934424.pth" ]; then
  echo "run.sh: efficientnet-lite0 weights are missing from $models; run: vidi models fetch" >&2
  exit 1
fi
if [ -n "$baseline" ] && [ ! -x "$baseline" ]; then
  echo "run.sh: --baseline $baseline is not an executable file" >&2
  exit 1
fi
if [ ! -x /usr/bin/time ]; then
  echo "run.sh: /usr/bin/time is missing (Debian: apt-get install time)" >&2
  exit 1
fi

source bench/swift-flags.sh
swift build "${flags[@]}" --product vidi >&2
swift build "${flags[@]}" --product vidi-bench-pipeline >&2
bin="$(swift build "${flags[@]}" --show-bin-path)"

python=bench/.venv/bin/python
if ! "$python" -c "import cv2, onnx, onnxruntime, numpy" 2>/dev/null; then
  echo "run.sh: creating bench/.venv (opencv-python-headless, onnx, onnxruntime, numpy)" >&2
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet onnx==1.23.2 onnxruntime==1.32.0 numpy==2.4.6 \
    opencv-python-headless==5.0.0.93
fi

out=bench/out/pipeline
dataset="$out/clips-$clips-seed$seed"
mkdir -p "$out"
if [ ! -d "$dataset" ]; then
  echo "run.sh: writing $clips clips to $dataset" >&2
  rm -rf "$dataset.partial"
  "$bin/vidi-bench-pipeline" generate "$dataset.partial" --clips "$clips" --seed "$seed"
  mv "$dataset.partial" "$dataset"
fi
echo "run.sh: dataset $dataset ($(du -sh "$dataset" | cut -f1))" >&2

results="$out/run-$(date +%Y%m%d-%H%M%S).jsonl"
scratch="$out/scratch"
mkdir -p "$scratch"

# measure ROW ROUND COMMAND...: runs COMMAND under /usr/bin/time and records its JSON output,
# wall time, processor time (user + system), peak RSS and the load average as one line of
# $results.
measure() {
  local row=$1 round=$2
  shift 2
  /usr/bin/time -f '%e %M %U %S' -o "$scratch/$row.time" "$@" > "$scratch/$row.out"
  "$python" bench/pipeline/report.py record "$row" "$round" "$scratch/$row.time" \
    "$scratch/$row.out" >> "$results"
}

vidi_extract() {
  rm -rf "$scratch/cache"
  measure vidi "$1" "$bin/vidi" extract "$dataset" --cache "$scratch/cache" \
    --threads "$threads" --json
}
vidi_baseline() {
  [ -n "$baseline" ] || return 0
  rm -rf "$scratch/cache"
  measure vidi-baseline "$1" "$baseline" extract "$dataset" --cache "$scratch/cache" \
    --threads "$threads" --json
}
python_batched() {
  measure python-batched "$1" "$python" bench/pipeline/peer.py run "$dataset" \
    --models "$models" --threads "$threads" --mode batched
}
python_per_frame() {
  [ "$classic" = 1 ] || return 0
  measure python-per-frame "$1" "$python" bench/pipeline/peer.py run "$dataset" \
    --models "$models" --threads "$threads" --mode per-frame
}

# One process with one encoder thread against two concurrent ones, each on half the clips.
one_process() {
  rm -rf "$scratch/cache"
  measure one-process "$1" "$bin/vidi" extract "$dataset" --cache "$scratch/cache" \
    --threads 1 --json
}
two_processes() {
  rm -rf "$scratch/cache"
  local start milliseconds
  start=$(date +%s%N)
  measure shard-0 "$1" "$bin/vidi" extract "$dataset" --cache "$scratch/cache" \
    --threads 1 --shard 0/2 --json &
  local first=$!
  measure shard-1 "$1" "$bin/vidi" extract "$dataset" --cache "$scratch/cache" \
    --threads 1 --shard 1/2 --json &
  local second=$!
  wait "$first"
  wait "$second"
  milliseconds=$((($(date +%s%N) - start) / 1000000))
  printf '{"row": "two-processes", "round": %d, "wall": %d.%03d}\n' "$1" \
    $((milliseconds / 1000)) $((milliseconds % 1000)) >> "$results"
  "$bin/vidi" extract "$dataset" --cache "$scratch/cache" --status --json > "$scratch/status.json"
  "$python" bench/pipeline/report.py check-status "$scratch/status.json" "$clips"
}

for round in $(seq 1 "$rounds"); do
  echo "run.sh: round $round/$rounds" >&2
  if [ $((round % 2)) -eq 1 ]; then
    vidi_extract "$round"; vidi_baseline "$round"; python_batched "$round"
    python_per_frame "$round"
    if [ "$scaling" = 1 ]; then one_process "$round"; two_processes "$round"; fi
  else
    python_per_frame "$round"; python_batched "$round"; vidi_baseline "$round"
    vidi_extract "$round"
    if [ "$scaling" = 1 ]; then two_processes "$round"; one_process "$round"; fi
  fi
done

# The same work: Vidi's and the batched peer's features of a few clips side by side.
mapfile -t all < <(find "$dataset" -name '*.avi' | sort)
sample=("${all[0]}" "${all[$((${#all[@]} / 2))]}" "${all[-1]}")
"$bin/vidi-bench-pipeline" features "${sample[@]}" > "$scratch/features-vidi.jsonl"
"$python" bench/pipeline/peer.py features "${sample[@]}" --models "$models" \
  > "$scratch/features-python.jsonl"

"$python" bench/pipeline/report.py table "$results" \
  --features "$scratch/features-vidi.jsonl" "$scratch/features-python.jsonl" \
  | tee "${results%.jsonl}.md"
