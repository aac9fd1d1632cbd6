#!/usr/bin/env bash
# Time per training epoch of Vidi's `seed-gru` and `gru` against the same models in PyTorch
# (CPU, same thread count), on one fixed synthetic feature set (650 clips x 20 steps x 1280).
#
#     bench/training/run.sh [--epochs N] [--threads N]
#
# Needs a throw-away venv with torch and numpy in bench/.venv (created when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=5
threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "usage: bench/training/run.sh [--epochs N] [--threads N]" >&2; exit 2 ;;
  esac
done

FLAGS=(-c release)
if [ "$(uname -m)" = x86_64 ]; then
  FLAGS+=(-Xswiftc -target-cpu -Xswiftc native -Xcc -march=native)
fi
swift build "${FLAGS[@]}" --product vidi-bench-training >&2
bin="$(swift build "${FLAGS[@]}" --show-bin-path)"

venv=bench/.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch numpy >&2
fi

out=bench/out/training
mkdir -p "$out"
"$bin/vidi-bench-training" "$out" --epochs "$epochs" --threads "$threads" >&2
OMP_NUM_THREADS="$threads" "$venv/bin/python" bench/training/torch_peer.py "$out"

"$venv/bin/python" - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
swift = json.loads((out / "swift.json").read_text())
torch = json.loads((out / "torch.json").read_text())
peer = {r["model"]: r for r in torch["results"]}
print(f"{swift['clips']} clips x {swift['steps']} steps x {swift['dimension']}, "
      f"{swift['classes']} classes, batch 32, {swift['threads']} threads, "
      f"median of epochs 2..{swift['epochs']}; PyTorch {torch['torch']}")
print(f"| model | Vidi s/epoch | PyTorch s/epoch | PyTorch / Vidi |")
print(f"| --- | ---: | ---: | ---: |")
for r in swift["results"]:
    t = peer[r["model"]]["seconds_per_epoch"]
    v = r["seconds_per_epoch"]
    name = f"{r['model']} (hidden {r['hidden']}, input dropout {r['input_dropout']})"
    print(f"| {name} | {v:.3f} | {t:.3f} | {t / v:.1f}x |")
PY
