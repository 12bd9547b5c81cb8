#!/usr/bin/env bash
# On the GPU machine: a change's quick check before gpu_check.sh's pairs with transformers. The CUDA tests under
# each memory mode, then our engine alone on each model under each variant of the environment (no peer, so
# ratios between variants of one call only), with one profiled round of the first variant. Needs .carry/cuda-test
# (tools/cuda/pack.sh) and .carry/shared.
#   [MODES="fast lean"] [VARIANTS="VERBATIM_CUDA_MEMORY=lean;VERBATIM_CUDA_MEMORY=fast"] [FILTER=gtest-filter] \
#     bash tools/cuda/quick_check.sh [tiny:64,large-v3-turbo:32,large-v3:16] [rounds]
# VARIANTS: ';' between variants, spaces between a variant's VAR=value pairs. $OUT gets tests-<mode>.log,
# quick.jsonl (a bench record a line, with its variant), profile-<model>.log; the table comes last.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/verbatim-quick-check}
SPECS=${1:-tiny:64,large-v3-turbo:32,large-v3:16}
ROUNDS=${2:-3}
MODES=${MODES-fast lean}
VARIANTS=${VARIANTS:-VERBATIM_CUDA_MEMORY=lean;VERBATIM_CUDA_MEMORY=fast}
FILTER=${FILTER:-CreateBackend*:CudaBackend*:WhisperDecoding*}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1
source tools/cuda/unpack_binaries.sh
echo "binaries built at $(cat .carry/cuda-test/commit 2>/dev/null)"

for mode in $MODES; do
  VERBATIM_CUDA_MEMORY=$mode "$W/tests" --gtest_filter="$FILTER" >"$OUT/tests-$mode.log" 2>&1
  echo "tests, $mode memory: exit $? — $(grep -E '^\[  (PASSED|FAILED)' "$OUT/tests-$mode.log" | tr '\n' ' ')"
  grep -E '^\[  FAILED' "$OUT/tests-$mode.log" | head -20
done

IFS=';' read -r -a variants <<<"$VARIANTS"
for spec in ${SPECS//,/ }; do
  name=${spec%%:*} batch=${spec##*:}
  weights=/tmp/weights/$name-hf-f16-seed1234
  python3 -c "import sys; sys.path.insert(0, 'tools/reference/python'); import whisper_layouts as w; \
w.write_layout('hf', '$weights', arch='$name', seed=1234, dtype='f16')" || { echo "weights for $name failed"; continue; }
  for variant in "${variants[@]}"; do
    env $variant "$W/bench" --model "$weights" --device cuda --batch "$batch" --new-tokens 112 --rounds "$ROUNDS" \
      | sed "s/^{/{\"variant\": \"$variant\", /" | tee -a "$OUT/quick.jsonl"
  done
  env ${variants[0]} VERBATIM_CUDA_PROFILE=1 "$W/bench" --model "$weights" --device cuda --batch "$batch" \
    --new-tokens 112 --rounds 1 >/dev/null 2>"$OUT/profile-$name-$batch.log"
  grep -E "CrossAttention" "$OUT/profile-$name-$batch.log" | head -n 6
  rm -rf "$weights"
done

python3 - "$OUT/quick.jsonl" <<'PY'
import json, sys
print(f"{'model':16} {'batch':>5} {'variant':44} {'RTFx':>9} {'encode s':>9} {'step ms':>8} {'peak GiB':>9}")
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['model']:16} {r['batch']:>5} {r['variant']:44} {r['rtfx']:>9.1f} {r['encode_s']:>9.3f} "
          f"{r['step_ms']:>8.3f} {r['peak_mem_bytes'] / 2**30:>9.2f}")
PY
