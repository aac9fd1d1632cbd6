#!/usr/bin/env bash
# Temporal segmentation and "none of these" on long videos built from real clips.
#
#   bench/segments/run.sh [--dataset DIR] [--unknown CLASS|all] [--videos N] [--clips N]
#                         [--model linear|auto|...] [--stride S] [--smoothing "none median viterbi:4"]
#
# Defaults: ../shared/data/ucf101-dev, BandMarching left out of training (the background
# filler and the unknown class), 8 videos of 6 known clips each, `vidi train --model linear`.
# `--unknown all` repeats the leave-one-class-out rejection measure for every class (one model
# each) and reports the mean AUROC. Needs the ffmpeg CLI (to build the long videos).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/swift-flags.sh
swift build "${flags[@]}" --product vidi >&2
vidi="$(swift build "${flags[@]}" --show-bin-path)/vidi"
exec python3 bench/segments/segments.py --vidi "$vidi" "$@"
