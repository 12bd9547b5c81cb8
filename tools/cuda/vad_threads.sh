#!/usr/bin/env bash
# On the GPU machine (carry [".carry/e2e-node", ".carry/e2e-app"], both from e2e_pack.sh; with
# LEAVE_OUT_ALSO="/tools/reference/fixtures/ /tools/demo-eval/fixtures/" bash tools/device/travel-light.sh on the
# three fit in one call): Silero VAD's time on the host CPU over MINUTES of jfk.wav with pauses, by intra-op threads
# and rows a call (vad_threads.mjs).
#   bash tools/cuda/vad_threads.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${1:-30}
W=/tmp/verbatim-vad-threads
rm -rf "$W" && mkdir -p "$W"
xz -dc .carry/e2e-node/node.xz >"$W/node" && chmod +x "$W/node"
tar -C "$W" -xJf .carry/e2e-app/app.tar.xz
python3 - "$W/long.wav" "$MINUTES" .carry/e2e-app/jfk.wav <<'PY'
import sys, wave
out, minutes, source = sys.argv[1], float(sys.argv[2]), sys.argv[3]
with wave.open(source) as w:
    rate, width, channels, frames = w.getframerate(), w.getsampwidth(), w.getnchannels(), w.readframes(w.getnframes())
pause = b"\0" * (int(1.5 * rate) * width * channels)
need = int(minutes * 60 * rate) * width * channels
with wave.open(out, "wb") as o:
    o.setnchannels(channels); o.setsampwidth(width); o.setframerate(rate)
    written = 0
    while written < need:
        piece = (frames + pause)[: need - written]
        o.writeframes(piece); written += len(piece)
PY
"$W/node" tools/cuda/vad_threads.mjs "$W/app" "$W/long.wav"
