#!/usr/bin/env bash
# Vidi's frame encoders against ONNX Runtime and OpenVINO on the same weights, side by side.
#
#   bench/backbones/run.sh [--rounds R] [--seconds S] [--batches 1,8,32] [--threads T]
#                          [--backbones mobilenet-v2,efficientnet-lite0,...]
#
# Builds the Swift bench (release, tuned for this CPU as the Makefile does), makes a throw-away
# virtual environment bench/.venv with onnx + onnxruntime + openvino + numpy from PyPI, then
# runs, R times, each backbone in Vidi (f32, and bf16 where the CPU has AVX512-BF16), ONNX
# Runtime (f32) and OpenVINO (f32 and bf16), rotating which goes first, every run a fresh
# process. Results go to bench/out/*.jsonl; the table shows medians over the rounds and the
# per-round ratios of Vidi's fastest precision to each peer. The machine should be otherwise
# idle: on a shared machine compare the ratios, not the fps.
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

source bench/swift-flags.sh
swift build "${flags[@]}" --product VidiBenchBackbones >&2
vidi="$(swift build "${flags[@]}" --show-bin-path)/VidiBenchBackbones"

python=bench/.venv/bin/python
if ! "$python" -c "import onnx, onnxruntime, openvino, numpy" 2>/dev/null; then
  echo "run.sh: creating bench/.venv (onnx, onnxruntime, openvino, numpy from PyPI)" >&2
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet onnx==1.23.2 onnxruntime==1.32.0 openvino==2026.4.1 \
    numpy==2.4.6
fi

mkdir -p bench/out
out="bench/out/backbones-$(date +%Y%m%d-%H%M%S).jsonl"
common=(--batches "$batches" --seconds "$seconds" --threads "$threads")
peer=(--models "$models" --golden Sources/Backbones/Resources)
run() {  # run RUNNER BACKBONE
  case "$1" in
    vidi-*) "$vidi" --backbone "$2" --precision "${1#vidi-}" "${common[@]}" ;;
    ort) "$python" bench/backbones/ort_peer.py --backbone "$2" "${common[@]}" "${peer[@]}" ;;
    openvino-*) "$python" bench/backbones/ov_peer.py --backbone "$2" \
      --precision "${1#openvino-}" "${common[@]}" "${peer[@]}" ;;
  esac >> "$out"
}

runners=(vidi-f32)
if "$vidi" --backbone mobilenet-v2 --precision bf16 --batches 1 --seconds 0 >/dev/null 2>&1; then
  runners+=(vidi-bf16)
fi
runners+=(ort openvino-f32 openvino-bf16)
echo "run.sh: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$vidi" --sgemm --threads "$threads" >> "$out"
for round in $(seq 1 "$rounds"); do
  for backbone in "${selected[@]}"; do
    # Rotate the order each round so no runner always follows the same one.
    shift_by=$(( (round - 1) % ${#runners[@]} ))
    order=("${runners[@]:shift_by}" "${runners[@]:0:shift_by}")
    echo "run.sh: round $round/$rounds, $backbone: ${order[*]}" >&2
    for runner in "${order[@]}"; do
      printf '{"round": %d, "load_average": %s}\n' "$round" \
        "$(cut -d' ' -f1 /proc/loadavg)" >> "$out"
      run "$runner" "$backbone"
    done
  done
done
"$python" bench/backbones/report.py "$out"
