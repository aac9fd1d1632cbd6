#!/usr/bin/env bash
# Throughput, latency and peak memory of `vidi serve` under a bounded load from a second process
# (wrk) on loopback: every request POSTs one short clip as the raw body.
#
#     bench/serve/run.sh [--connections N] [--duration SECONDS] [--workers N] [--model M.vidi] [--clip FILE]
#
# Without --model, `vidi demo` trains one (and renders its clips) in bench/out/serve/demo; the
# clip defaults to one of its test clips. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=4
duration=20
workers=2
model=""
clip=""
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --clip) clip="$2"; shift 2 ;;
    *) echo "usage: bench/serve/run.sh [--connections N] [--duration S] [--workers N] [--model M] [--clip F]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "bench/serve: wrk is missing (apt-get install wrk)" >&2; exit 1; }

FLAGS=(-c release)
if [ "$(uname -m)" = x86_64 ]; then
  FLAGS+=(-Xswiftc -target-cpu -Xswiftc native -Xcc -march=native)
fi
swift build "${FLAGS[@]}" --product vidi >&2
vidi="$(swift build "${FLAGS[@]}" --show-bin-path)/vidi"

out=bench/out/serve
mkdir -p "$out"
if [ -z "$model" ]; then
  "$vidi" demo --dir "$out/demo" --json > "$out/demo.json" 2> "$out/demo.log"
  model="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["path"])' "$out/demo.json")"
fi
if [ -z "$clip" ]; then
  clip="$(find "$out/demo/data" -path '*test*' -type f | sort | head -n 1)"
fi

# Enough queue for every connection, so the numbers measure work, not refusals.
"$vidi" serve "$model" --port 0 --workers "$workers" --queue "$connections" \
  > "$out/serve.out" 2> "$out/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 1 200); do
  url="$(grep -o 'http://[0-9.:]*/' "$out/serve.out" || true)"
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null ||
    { echo "bench/serve: the server stopped" >&2; cat "$out/serve.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "bench/serve: the server did not start" >&2; exit 1; }

curl -sf --data-binary @"$clip" "${url}v1/predict?top_k=1" > "$out/warmup.json" ||
  { echo "bench/serve: the warm-up request failed" >&2; cat "$out/serve.log" >&2; exit 1; }
idle_kb="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
CLIP="$clip" wrk -t "$(( connections < 2 ? connections : 2 ))" -c "$connections" -d "${duration}s" --timeout 30s -s bench/serve/post.lua \
  "${url}v1/predict" | tee "$out/wrk.txt" >&2
peak_kb="$(awk '/VmHWM/ {print $2}' "/proc/$server/status")"
kill -INT "$server"
wait "$server" || true
trap - EXIT

result="$(grep '^RESULT' "$out/wrk.txt")"
echo "model: $model ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"])' "$out/warmup.json"))"
echo "clip: $clip ($(stat -c %s "$clip") bytes)"
echo "load: wrk, $connections connections for ${duration}s; server: $workers workers, $(nproc) cores"
echo "${result#RESULT }"
echo "server RSS: $((idle_kb / 1024)) MiB after the first request, peak $((peak_kb / 1024)) MiB"
