#!/usr/bin/env bash
# Builds the `vidi` image from the repository's Dockerfile with docker or podman, whichever is
# installed and has a running engine (CONTAINER_ENGINE picks one), and says what is missing when
# neither can build.
#
#   scripts/build-image.sh IMAGE [BUILD ARGUMENTS...]   # e.g. vidi:latest --build-arg VIDI_WEIGHTS=0
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -ge 1 ] || { echo "usage: $0 IMAGE [BUILD ARGUMENTS...]" >&2; exit 2; }
image="$1"
shift

installed=()
for engine in ${CONTAINER_ENGINE:-docker podman}; do
  command -v "$engine" >/dev/null 2>&1 && installed+=("$engine")
done
if [ "${#installed[@]}" -eq 0 ]; then
  echo "vidi image: no container engine (${CONTAINER_ENGINE:-docker or podman}) is installed;" \
    "install one (Debian: apt-get install podman, or Docker Engine from docs.docker.com) and run" \
    "make image again" >&2
  exit 1
fi

# `docker` may be only the client, talking to no daemon; `info` asks the engine itself.
for engine in "${installed[@]}"; do
  if problem="$("$engine" info 2>&1 >/dev/null)"; then
    echo "vidi image: building $image with $engine"
    exec "$engine" build --tag "$image" "$@" .
  fi
  reason="$(grep -v '^[[:space:]]*$' <<<"$problem" | tail -n 1)"
  echo "vidi image: $engine is installed, but \`$engine info\` failed: ${reason:-no reason given}" >&2
done
echo "vidi image: no container engine is running; start one (e.g. sudo systemctl start docker)" \
  "or install podman, which needs no daemon, and run make image again" >&2
exit 1
