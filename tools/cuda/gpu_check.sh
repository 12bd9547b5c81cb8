#!/usr/bin/env bash
# On the GPU machine (no Node, no GTest, no OpenBLAS there): the CUDA backend's parity tests, then verbatim's engine
# and transformers timed in the same call on the same seeded weights (tools/reference, seed 1234), performance.md's
# fixed-length protocol (112 new tokens per 30 s window, model only). Needs .carry/cuda-test (tools/cuda/pack.sh) and
# .carry/shared (shared/assets: tokenizer files for the weights' folders).
#   [PAIRS=2] [COMPARE_ENV="VAR=value …"] bash tools/cuda/gpu_check.sh [tiny:64,large-v3-turbo:32,large-v3:16] [rounds]
# $OUT gets parity.log, decode-attention.log (tools/decode_attention_bench.cc), profile-*.log (GPU time per operation
# over a warm-up and one round), gpu-run.json (ours and transformers' records, for benchmarks/results) and run.log; the
# table comes last. COMPARE_ENV (default VERBATIM_CUDA_F16_ENCODER=0, the f32 intermediates of before;
# VERBATIM_CUDA_FLASH=old, the WMMA FlashAttention; empty: none) times and profiles each model once more with that older
# path, a "VAR=value: {record}" line and profile-*-VAR_value.log, so that both paths are compared in one call.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/verbatim-gpu-check}
SPECS=${1:-tiny:64,large-v3-turbo:32,large-v3:16}
ROUNDS=${2:-3}
PAIRS=${PAIRS:-2}  # ours / transformers alternations per model
COMPARE_ENV=${COMPARE_ENV-VERBATIM_CUDA_F16_ENCODER=0}  # an older path to time beside (VAR=value …); empty: none
LIMIT_S=${LIMIT_S:-540}  # stop starting new models after this (a call has 600 s)
T0=$(date +%s)
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
source tools/cuda/unpack_binaries.sh
echo "binaries built at $(cat .carry/cuda-test/commit 2>/dev/null), tree at $(git rev-parse --short=12 HEAD 2>/dev/null)"

"$W/tests" --gtest_filter='CreateBackend*:CudaBackend*' >"$OUT/parity.log" 2>&1
echo "parity tests: exit $? — $(grep -E '^\[  (PASSED|FAILED)' "$OUT/parity.log" | tr '\n' ' ')"
# SplitAttention's two kernels on decoder-step shapes, GPU time per call (tools/decode_attention_bench.cc).
if xz -dc .carry/cuda-test/verbatim_decode_attention_bench.xz >"$W/attention" 2>/dev/null; then
  chmod +x "$W/attention" && "$W/attention" >"$OUT/decode-attention.log" 2>&1
  cat "$OUT/decode-attention.log"
fi

for spec in ${SPECS//,/ }; do
  name=${spec%%:*} batch=${spec##*:}
  if [ $(($(date +%s) - T0)) -gt "$LIMIT_S" ]; then echo "skipping $spec: past ${LIMIT_S}s"; continue; fi
  weights=/tmp/weights/$name-hf-f16-seed1234
  python3 -c "import sys; sys.path.insert(0, 'tools/reference/python'); import whisper_layouts as w; \
w.write_layout('hf', '$weights', arch='$name', seed=1234, dtype='f16')" || { echo "weights for $name failed"; continue; }
  # ours and transformers alternate PAIRS times (A B A B …): the peer's loop follows the host's load, which
  # drifts within a call and between calls, so a ratio is taken within each pair and the median reported
  for pair in $(seq 1 "$PAIRS"); do
    "$W/bench" --model "$weights" --device cuda --batch "$batch" --new-tokens 112 --rounds "$ROUNDS" \
      | sed "s/^{/{\"pair\": $pair, /" | tee -a "$W/verbatim.jsonl"
    python3 tools/transformers-bench/bench_transformers.py --models "$name" --batches "$batch" --dtype fp16 \
      --new-tokens 112 --rounds "$ROUNDS" --cache /tmp/weights --out "$W/transformers-$name-$batch-$pair.json" 2>&1 \
      | tail -1
  done
  # where the GPU time goes: one profiled round (CUDA events around every operation; cuda_profile.h)
  VERBATIM_CUDA_PROFILE=1 "$W/bench" --model "$weights" --device cuda --batch "$batch" --new-tokens 112 \
    --rounds 1 >/dev/null 2>"$OUT/profile-$name-$batch.log"
  head -n 14 "$OUT/profile-$name-$batch.log"
  if [ -n "$COMPARE_ENV" ]; then
    # the same model once more with the older path that COMPARE_ENV selects (not in gpu-run.json)
    env $COMPARE_ENV "$W/bench" --model "$weights" --device cuda --batch "$batch" --new-tokens 112 --rounds 1 \
      | sed "s/^/$COMPARE_ENV: /"
    env $COMPARE_ENV VERBATIM_CUDA_PROFILE=1 "$W/bench" --model "$weights" --device cuda --batch "$batch" \
      --new-tokens 112 --rounds 1 >/dev/null 2>"$OUT/profile-$name-$batch-${COMPARE_ENV//[^A-Za-z0-9_-]/_}.log"
  fi
  rm -rf "$weights" /tmp/weights/"$name"-hf-f32-seed1234
done

# one run file for benchmarks/results (copy it there as <UTC time>-<machine>-gpu.json and run bench:report)
python3 tools/cuda/bench_run.py --ours "$W/verbatim.jsonl" --theirs "$W/transformers-*.json" \
  --commit "$(cat .carry/cuda-test/commit 2>/dev/null)" --host "$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)" \
  --command "bash tools/cuda/pack.sh; device run (carry .carry/cuda-test .carry/shared): $(env | grep '^VERBATIM_CUDA_' | sort | tr '\n' ' ')PAIRS=$PAIRS bash tools/cuda/gpu_check.sh $SPECS $ROUNDS" \
  --out "$OUT/gpu-run.json"
python3 - "$OUT/gpu-run.json" <<'PY'
import json, statistics, sys
run = json.load(open(sys.argv[1]))
print(f"{'model':16} {'batch':>5} {'verbatim RTFx':>14} {'encode s':>9} {'step ms':>8} {'transformers RTFx':>18} "
      f"{'ratio (median, range)':>24}  {'peak GiB ours/theirs':>20}")
for c in run.get("comparisons", []):
    print(f"{c['model']:16} {c['batch']:>5} {c['verbatim_rtfx']:>14.1f} {c['encode_s']:>9.3f} {c['step_ms']:>8.2f} "
          f"{c['transformers_rtfx']:>18.1f} {c['ratio_median']:>8.2f} ({c['ratio_min']:.2f}–{c['ratio_max']:.2f})"
          f"{'':>4}  {c['peak_gib_ours']:>9.2f} / {c['peak_gib_theirs']:.2f}")
PY
