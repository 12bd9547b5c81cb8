#!/usr/bin/env bash
# Here: everything the GPU machine needs to run `verbatim transcribe` end to end (it has no Node and no node_modules),
# in two carry folders, because together with the tree they exceed the 64 MiB a call may carry:
#   .carry/e2e-node/node.xz       Node itself (~24 MB)            -> first call: `bash tools/cuda/e2e_run.sh stash`
#   .carry/e2e-app/app.tar.xz     the CLI deployed with its production dependencies (pnpm deploy), onnxruntime's
#                                 Linux x64 library only, the engine's addon as built here (with the CUDA backend
#                                 where nvcc was found: check `strings … | grep cublas`), ~15 MB
#   .carry/e2e-app/assets.tar.xz  the tokenizer files tools/reference needs to write seeded weights (shared/assets)
#   .carry/e2e-app/jfk.wav        a real recording, repeated into a 30-minute file there
#   bash tools/cuda/e2e_pack.sh           (after pnpm build; builds nothing itself)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
addon=packages/mlx-engine/build/Release/verbatim.node
[ -f "$addon" ] || { echo "no $addon: run pnpm build first" >&2; exit 1; }
strings "$addon" | grep -c cublas >/dev/null || echo "warning: $addon has no CUDA backend (built without nvcc?)" >&2
shared=${VERBATIM_SHARED:-../shared}
mkdir -p .carry/e2e-node .carry/e2e-app
[ -f .carry/e2e-node/node.xz ] || xz -T2 -6 -c "$(command -v node)" >.carry/e2e-node/node.xz
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
pnpm --silent --filter @verbatim/cli deploy --prod --legacy "$tmp/app" >/dev/null
# onnxruntime-node ships every platform's library (~290 MB): keep Linux x64
find "$tmp/app/node_modules/.pnpm" -path '*onnxruntime-node/bin/napi-v*/*' -mindepth 1 -maxdepth 12 -type d \
  \( -name darwin -o -name win32 -o -name arm64 \) -prune -exec rm -rf {} +
tar -C "$tmp" -cJf .carry/e2e-app/app.tar.xz app
tar -C "$shared" -cJf .carry/e2e-app/assets.tar.xz assets/whisper
cp "$shared/speech/jfk/jfk.wav" .carry/e2e-app/jfk.wav
git rev-parse --short=12 HEAD >.carry/e2e-app/commit
du -sh .carry/e2e-node .carry/e2e-app "$root"/.carry/e2e-app/*
