#!/usr/bin/env bash
# Fuzzing as a hostile user would: mutated videos (AVI/MPEG-4, MP4/H.264, MKV/VP8), mutated
# backbone checkpoints and mutated .vidi model folders, each fed to the code Vidi reads it with
# (VideoReader as extraction calls it; TorchCheckpoint + the backbone's network; the model
# loader + a prediction) in a child process with a timeout. Prints, per seed, how the mutants
# ended: answers, clean one-line errors, other exits, crashes (signals) and hangs; the exit
# status is non-zero when any crashed or hung.
#
#   bench/fuzz/run.sh [--count 1000] [--kinds video,checkpoint,model] [--jobs 2] [--timeout 60]
#                     [--seed 1] [--out bench/out/fuzz]
#
# --count mutants of each video seed, and --count checkpoints and --count model folders in all.
# Needs the backbones' weights (vidi models fetch --all) and, for MKV/VP8, the ffmpeg tool with
# libvpx. Crashes, hangs and other exits are kept in <out>/findings for replay with
# `vidi-fuzz child KIND PATH [BACKBONE]`. About 40 minutes for the defaults on a busy 2-core
# machine; --count 100 gives a quick look.
set -euo pipefail
cd "$(dirname "$0")/../.."

source bench/swift-flags.sh
swift build "${flags[@]}" --product vidi-fuzz >&2
bin="$(swift build "${flags[@]}" --show-bin-path)"
exec "$bin/vidi-fuzz" run "$@"
