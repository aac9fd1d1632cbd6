#!/usr/bin/env bash
# Vidi's frame encoders against ONNX Runtime on the same weights, side by side.
#
#   bench/backbones/run.sh [--rounds R] [--seconds S] [--batches 1,8,32] [--threads T]
#                          [--backbones mobilenet-v2,efficientnet-lite0,...]
#
# Builds the Swift bench (release, tuned for this CPU as the Makefile does), makes a throw-away
# virtual environment bench/.venv with onnx + onnxruntime + numpy from PyPI, then runs, R
# times, each backbone in Vidi and in ONNX Runtime, alternating which goes first, every run a
# fresh process. Results go to bench/out/*.jsonl; the table shows medians over the rounds.
# The machine should be otherwise idle: on a shared machine compare the ratio, not the fps.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3
seconds=3
batches=1,8,32
threads=2
backbones=mobilenet-v2,efficientnet-lite0,efficientnet-lite1,efficientnet-lite2
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --backbones) backbones=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

source bench/model-cache.sh
IFS=, read -r -a selected <<< "$backbones"
for backbone in "${selected[@]}"; do
  if ! ls "$models/$backbone/"*.p* >/dev/null 2>&1; then
    echo "run.sh: no $backbone checkpoint in $models; run: vidi models fetch --all" >&2
    exit 1
  fi
done

flags=(-c release)
if [ "$(uname -m)" = x86_64 ]; then
  flags+=(-Xswiftc -target-cpu -Xswiftc native -Xcc -march=native)
fi
swift build "${flags[@]}" --product VidiBenchBackbones >&2
vidi="$(swift build "${flags[@]}" --show-bin-path)/VidiBenchBackbones"

python=bench/.venv/bin/python
if ! "$python" -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
  echo "run.sh: creating bench/.venv (onnx, onnxruntime, numpy from PyPI)" >&2
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet onnx==1.23.2 onnxruntime==1.32.0 numpy==2.4.6
fi

mkdir -p bench/out
out="bench/out/backbones-$(date +%Y%m%d-%H%M%S).jsonl"
run_vidi() {
  "$vidi" --backbone "$1" --batches "$batches" --seconds "$seconds" --threads "$threads" \
    >> "$out"
}
run_ort() {
  "$python" bench/backbones/ort_peer.py --backbone "$1" --batches "$batches" \
    --seconds "$seconds" --threads "$threads" --models "$models" \
    --golden Sources/Backbones/Resources >> "$out"
}

"$vidi" --sgemm --threads "$threads" >> "$out"
for round in $(seq 1 "$rounds"); do
  for backbone in "${selected[@]}"; do
    echo "run.sh: round $round/$rounds, $backbone" >&2
    if [ $((round % 2)) -eq 1 ]; then
      run_vidi "$backbone"; run_ort "$backbone"
    else
      run_ort "$backbone"; run_vidi "$backbone"
    fi
  done
done
"$python" bench/backbones/report.py "$out"
