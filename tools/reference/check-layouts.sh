#!/usr/bin/env bash
# Writes every layout (HF single and sharded, MLX safetensors and npz, ggml f32 and f16) of the given architectures
# with both generators, TypeScript and Python, and checks the two directories are byte-identical.
# Usage: bash tools/reference/check-layouts.sh [arch ...]   (default: tiny large-v3-turbo; needs `pnpm build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
architectures=("${@:-tiny}")
[ "$#" -gt 0 ] || architectures=(tiny large-v3-turbo)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for arch in "${architectures[@]}"; do
  for layout in hf hf-sharded mlx-safetensors mlx-npz ggml-f32 ggml-f16; do
    start=$(date +%s.%N)
    node tools/reference/dist/cli.js --arch "$arch" --seed 1234 --layout "$layout" --out "$scratch/ts" >/dev/null
    middle=$(date +%s.%N)
    python3 tools/reference/python/seeded_weights.py --arch "$arch" --seed 1234 --layout "$layout" --out "$scratch/py" >/dev/null
    end=$(date +%s.%N)
    diff -r "$scratch/ts" "$scratch/py" >/dev/null
    size=$(du -sb "$scratch/ts" | cut -f1)
    printf '%-16s %-16s %6d MB  files: %-2d  ts %5.1f s  py %5.1f s  identical\n' "$arch" "$layout" \
      $((size / 1000000)) "$(ls "$scratch/ts" | wc -l)" "$(echo "$middle - $start" | bc)" "$(echo "$end - $middle" | bc)"
    rm -rf "$scratch/ts" "$scratch/py"
  done
done
