#!/usr/bin/env bash
# On the GPU machine: benchmarks/src/engine-parity.mjs — the engine's greedy tokens and teacher-forced logits on the
# fixtures' real recordings against transformers' (tools/reference fixtures, made on an H100), f32 and f16 seeded
# weights of each architecture. Packed here by tools/cuda/parity_pack.sh; Node comes from an earlier call:
#   bash tools/cuda/e2e_run.sh stash                          carry [".carry/e2e-node"]
#   bash tools/cuda/parity_run.sh [archs] [devices]           carry [".carry/parity-app"]
# $OUT gets parity.json and parity.log; the table comes last.
set -uo pipefail
cd "$(dirname "$0")/../.."
ARCHS=${1:-tiny,large-v3-turbo,large-v3}
DEVICES=${2:-cuda}
OUT=${OUT:-/tmp/verbatim-parity}
W=/tmp/verbatim-parity-work
mkdir -p "$OUT" && rm -rf "$W" && mkdir -p "$W/shared"
NODE_XZ=tools/cuda/.state/node.xz
[ -f "$NODE_XZ" ] || NODE_XZ=.carry/e2e-node/node.xz
[ -f "$NODE_XZ" ] || { echo "no Node: run 'e2e_run.sh stash' first with carry .carry/e2e-node" >&2; exit 1; }
xz -dc "$NODE_XZ" >"$W/node" && chmod +x "$W/node"
tar -C "$W" -xJf .carry/parity-app/bench.tar.xz
tar -C "$W/shared" -xJf .carry/parity-app/speech.tar.xz && tar -C "$W/shared" -xJf .carry/parity-app/assets.tar.xz
export VERBATIM_SHARED=$W/shared
echo "node $("$W/node" --version), app of commit $(cat .carry/parity-app/commit), $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
echo "engine switches: $(env | grep '^VERBATIM_CUDA_' | sort | tr '\n' ' ')"
(cd "$W/app" && "$W/node" src/engine-parity.mjs --archs "$ARCHS" --devices "$DEVICES" --weights-dir /tmp/parity-weights \
  --out "$OUT/parity.json") 2>&1 | tee "$OUT/parity.log"
