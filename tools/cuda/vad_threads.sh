#!/usr/bin/env bash
# On the GPU machine (carry [".carry/e2e-node", ".carry/e2e-app"], both from e2e_pack.sh; with
# LEAVE_OUT_ALSO="/tools/reference/fixtures/ /tools/demo-eval/fixtures/" bash tools/device/travel-light.sh on the
# three fit in one call): Silero VAD's time on the host CPU over MINUTES of jfk.wav with pauses, by worker threads,
# started for each call against started once (vad_threads.mjs).
#   bash tools/cuda/vad_threads.sh [MINUTES] [THREADS=2,4,8,16]
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${1:-30}
W=/tmp/verbatim-vad-threads
rm -rf "$W" && mkdir -p "$W"
xz -dc .carry/e2e-node/node.xz >"$W/node" && chmod +x "$W/node"
tar -C "$W" -xJf .carry/e2e-app/app.tar.xz
python3 tools/cuda/long_wav.py "$W/long.wav" "$MINUTES" .carry/e2e-app/jfk.wav
"$W/node" tools/cuda/vad_threads.mjs "$W/app" "$W/long.wav" "${2:-2,4,8,16}"
