#!/usr/bin/env bash
# Remakes the EfficientNet-Lite golden files (Sources/Backbones/Resources/golden-*.json) with
# the reference PyTorch implementation; see scripts/make-golden-fixtures.py. Python and torch
# are used only here, never when Vidi runs.
#
#   scripts/make-golden-fixtures.sh [arguments of make-golden-fixtures.py]
#
# Needs the checkpoints in Vidi's model cache (`vidi models fetch --all`). Makes a throw-away
# virtual environment .venv-fixtures with pinned torch (CPU is enough; the PyPI build is large)
# and efficientnet-lite-pytorch.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/model-cache.sh
python=.venv-fixtures/bin/python
if ! "$python" -c "import torch, efficientnet_lite_pytorch" 2>/dev/null; then
  echo "make-golden-fixtures: creating .venv-fixtures (torch, efficientnet-lite-pytorch)" >&2
  python3 -m venv .venv-fixtures
  .venv-fixtures/bin/pip install --quiet torch==2.13.0 numpy==2.4.6 \
    efficientnet-lite-pytorch==0.1.0
fi
"$python" scripts/make-golden-fixtures.py --models "$models" "$@"
