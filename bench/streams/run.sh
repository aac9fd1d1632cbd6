#!/usr/bin/env bash
# Whether `vidi watch` keeps up with a live 25 fps 320×240 stream on this machine at the default
# sampling (the model's windows: 20 frames per 6 s window unless the model recorded its clip
# length), in two runs over the same MPEG-TS stream:
#
#   1. as fast as possible (the stream file read with --no-drop): stream seconds per wall-clock
#      second, the "× real time" figure (the target is ≥ 5×, i.e. ≤ 20 % of real time);
#   2. live: the stream sent in real time (ffmpeg -re) into `vidi watch -` through a pipe;
#      the samples dropped (0 when it keeps up) and the processor time as a share of the
#      stream's duration.
#
#     bench/streams/run.sh [--seconds S] [--model M.vidi] [--clips DIR] [--threads N] [--precision P]
#
# Without --model, `vidi demo` trains one in bench/out/streams/demo. The stream is made of the
# videos under --clips (default: the demo's test clips), scaled to 320×240 at 25 fps and looped
# to S seconds (default 60). Needs the ffmpeg tool.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=60
model=""
clips=""
threads=""
precision=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --clips) clips="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --precision) precision="$2"; shift 2 ;;
    *) echo "usage: bench/streams/run.sh [--seconds S] [--model M.vidi] [--clips DIR] [--threads N] [--precision P]" >&2; exit 2 ;;
  esac
done
command -v ffmpeg >/dev/null || { echo "bench/streams: the ffmpeg tool is missing" >&2; exit 1; }

# VIDI=path/to/vidi skips the build (a binary `swift test` already made, say).
vidi="${VIDI:-}"
if [ -z "$vidi" ]; then
  source bench/swift-flags.sh
  swift build "${flags[@]}" --product vidi >&2
  vidi="$(swift build "${flags[@]}" --show-bin-path)/vidi"
fi

out=bench/out/streams
mkdir -p "$out"
if [ -z "$model" ]; then
  if [ ! -f "$out/demo.json" ]; then
    "$vidi" demo --dir "$out/demo" --json > "$out/demo.json" 2> "$out/demo.log"
  fi
  model="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["path"])' "$out/demo.json")"
fi

# The clips one after another, 320×240 at 25 fps, looped to the length asked.
[ -n "$clips" ] || clips="$out/demo/data/test"
clips="$(cd "$clips" && pwd)"
stream="$out/stream-${seconds}s.ts"
list="$out/clips.txt"
find "$clips" -type f \( -name '*.avi' -o -name '*.mp4' -o -name '*.mkv' \) | sort |
  sed "s|^|file '|; s|\$|'|" > "$list.new"
if [ ! -f "$stream" ] || ! cmp -s "$list" "$list.new"; then
  mv "$list.new" "$list"
  ffmpeg -v error -nostdin -y -stream_loop -1 -f concat -safe 0 -i "$list" -t "$seconds" \
    -vf scale=320:240,fps=25 -c:v mpeg4 -q:v 4 -an -f mpegts "$stream"
fi
rm -f "$list.new"

thread_args=(--precision "$precision")
[ -n "$threads" ] && thread_args+=(--threads "$threads")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$vidi" watch "$model" "$stream" --json --no-drop "${thread_args[@]}" > "$out/fast.jsonl"
ffmpeg -v error -nostdin -re -i "$stream" -c copy -f mpegts - |
  "$vidi" watch "$model" - --json "${thread_args[@]}" > "$out/live.jsonl"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$out/fast.jsonl" "$out/live.jsonl" "$precision" <<'EOF'
import json, sys
def summary(path):
    lines = [json.loads(line) for line in open(path) if line.strip()]
    return [l for l in lines if l.get("event") == "end"][-1]
fast, live = summary(sys.argv[1]), summary(sys.argv[2])
print(f"stream: {fast['stream_seconds']:.1f} s of 25 fps 320x240, {fast['samples']} samples, "
      f"{fast['windows']} windows, precision {sys.argv[3]}")
print(f"as fast as possible: {fast['speed']:.1f}x real time "
      f"({100 / fast['speed']:.1f} % of real time; target <= 20 %), "
      f"{fast['cpu_seconds']:.1f} s of CPU")
print(f"live (ffmpeg -re | vidi watch -): {live['samples']} samples, {live['dropped']} dropped, "
      f"CPU {100 * live['cpu_share']:.1f} % of real time")
EOF
