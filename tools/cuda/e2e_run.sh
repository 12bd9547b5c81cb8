#!/usr/bin/env bash
# On the GPU machine: `verbatim transcribe` end to end on a long file (a real recording, shared/speech/jfk, repeated
# with pauses to --minutes), VAD-chunked and batched, greedy, with the CUDA backend, on seeded f16 weights of each model
# (tools/reference seed 1234). Random weights say nothing about accuracy and rarely end a window early, so every window
# decodes up to --max-new-tokens 112 (performance.md's fixed length): the time is what a 30-minute file costs.
# Packed here by tools/cuda/e2e_pack.sh. Two calls, because Node and the app together exceed one call's 64 MiB:
#   bash tools/cuda/e2e_run.sh stash                                   carry [".carry/e2e-node"]
#   [GPU_MEMORY=lean] bash tools/cuda/e2e_run.sh [large-v3-turbo,large-v3] [minutes]     carry [".carry/e2e-app"]
# (GPU_MEMORY: the CLI's --gpu-memory, fast by default; BEAM: its --beam-size, 1 by default.)
# (DEVICE=cpu tries the same flow on a machine without a GPU.)
# $OUT gets e2e.json (records: the whole process, and the CLI's own transcription time after the model load) and
# e2e.log; a table is printed last.
set -uo pipefail
cd "$(dirname "$0")/../.."
STATE=tools/cuda/.state
if [ "${1:-}" = stash ]; then
  mkdir -p "$STATE" && cp .carry/e2e-node/node.xz "$STATE/" && ls -la "$STATE"
  exit 0
fi
MODELS=${1:-large-v3-turbo,large-v3}
MINUTES=${2:-30}
OUT=${OUT:-/tmp/verbatim-e2e}
W=/tmp/verbatim-e2e-work
mkdir -p "$OUT" && rm -rf "$W" && mkdir -p "$W"
exec > >(tee -a "$OUT/e2e.log") 2>&1
NODE_XZ=$STATE/node.xz
[ -f "$NODE_XZ" ] || NODE_XZ=.carry/e2e-node/node.xz
[ -f "$NODE_XZ" ] || { echo "no Node: run 'e2e_run.sh stash' first with carry .carry/e2e-node" >&2; exit 1; }
xz -dc "$NODE_XZ" >"$W/node" && chmod +x "$W/node"
tar -C "$W" -xJf .carry/e2e-app/app.tar.xz && mkdir -p "$W/shared" && tar -C "$W/shared" -xJf .carry/e2e-app/assets.tar.xz
export VERBATIM_SHARED=$W/shared
echo "node $("$W/node" --version), app of commit $(cat .carry/e2e-app/commit), $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
python3 tools/cuda/long_wav.py "$W/long.wav" "$MINUTES" .carry/e2e-app/jfk.wav
for model in ${MODELS//,/ }; do
  weights=/tmp/weights/$model-hf-f16-seed1234
  python3 -c "import sys; sys.path.insert(0, 'tools/reference/python'); import whisper_layouts as w; \
w.write_layout('hf', '$weights', arch='$model', seed=1234, dtype='f16')" || { echo "weights for $model failed"; continue; }
  t0=$(date +%s.%N)
  "$W/node" "$W/app/bin/verbatim.js" transcribe "$W/long.wav" --model "$weights" --device "${DEVICE:-cuda}" --beam-size "${BEAM:-1}" \
    --language en --temperature-increment-on-fallback 0 --max-new-tokens 112 --output-format json \
    --output-dir "$W/out-$model" ${GPU_MEMORY:+--gpu-memory "$GPU_MEMORY"} --verbose >"$W/cli-$model.log" 2>&1
  tail -n 3 "$W/cli-$model.log"
  t1=$(date +%s.%N)
  python3 - "$OUT/e2e.json" "$model" "$t0" "$t1" "$MINUTES" "$W/out-$model/long.json" "$W/cli-$model.log" <<'PY'
import json, os, re, sys
out, model, t0, t1, minutes, transcript, log = sys.argv[1:8]
text = open(log).read()
said = re.search(r"of audio in ([0-9.]+) s", text)  # the CLI's own time: after the model load
stages = re.search(r"^  stages: (.*)$", text, re.M)  # --verbose: seconds per stage (VAD, language, log-mel, encode, decode)
wall = float(t1) - float(t0)
records = json.load(open(out)) if os.path.exists(out) else []
segments = len(json.load(open(transcript)).get("segments", [])) if os.path.exists(transcript) else -1
records.append({"impl": "verbatim", "model": model, "backend": os.environ.get("DEVICE", "cuda"), "dtype": "f16", "stage": "e2e-long-form",
                "audio_s": float(minutes) * 60, "wall_s": round(wall, 3), "rtfx": round(float(minutes) * 60 / wall, 1),
                "gpu_memory": os.environ.get("GPU_MEMORY") or "fast", "beam_size": int(os.environ.get("BEAM") or 1),
                "switches": " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("VERBATIM_CUDA_")),
                "commit": open(".carry/e2e-app/commit").read().strip(), "segments": segments, "transcribe_s": float(said.group(1)) if said else None,
                "stages": stages.group(1) if stages else None,
                "transcribe_rtfx": round(float(minutes) * 60 / float(said.group(1)), 1) if said else None,
                "timed": "the whole `verbatim transcribe` process: Node start, model load, WAV read, Silero VAD, "
                         "batched log-mel, encoder and greedy decoding (<= 112 tokens a window), JSON written"})
open(out, "w").write(json.dumps(records, indent=2) + "\n")  # as biome formats it
PY
  rm -rf "$weights"
done
python3 - "$OUT/e2e.json" <<'PY'
import json, sys
print(f"{'model':16} {'audio s':>8} {'process s':>10} {'RTFx':>8} {'transcribe s':>13} {'RTFx':>8} {'segments':>9}")
for r in json.load(open(sys.argv[1])):
    t = r.get("transcribe_s") or float("nan")
    print(f"{r['model']:16} {r['audio_s']:>8.0f} {r['wall_s']:>10.2f} {r['rtfx']:>8.1f} {t:>13.2f} "
          f"{r.get('transcribe_rtfx') or float('nan'):>8.1f} {r['segments']:>9}")
PY
