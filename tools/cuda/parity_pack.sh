#!/usr/bin/env bash
# Here: what tools/cuda/parity_run.sh needs on the GPU machine, in .carry/parity-app/ (Node travels in a call of its
# own, as for the end-to-end run: `bash tools/cuda/e2e_run.sh stash` with .carry/e2e-node, see e2e_pack.sh):
#   bench.tar.xz   @verbatim/benchmarks deployed with its production dependencies: benchmarks/src/engine-parity.mjs,
#                  the engine's addon as built here (with the CUDA backend where nvcc was found), tools/reference and
#                  the fixtures of the architectures checked; onnxruntime's libraries left out (nothing loads VAD)
#   speech.tar.xz  the fixtures' recordings (shared/speech), checked by sha256 there
#   assets.tar.xz  shared/assets/whisper (the tokenizer files the seeded weights' folders need)
#   bash tools/cuda/parity_pack.sh [tiny,large-v3-turbo,large-v3]     (after pnpm build; builds nothing itself)
set -euo pipefail
cd "$(dirname "$0")/../.."
archs=${1:-tiny,large-v3-turbo,large-v3}
addon=packages/mlx-engine/build/Release/verbatim.node
[ -f "$addon" ] || { echo "no $addon: run pnpm build first" >&2; exit 1; }
strings "$addon" | grep -c cublas >/dev/null || echo "warning: $addon has no CUDA backend (built without nvcc?)" >&2
shared=${VERBATIM_SHARED:-../shared}
out=.carry/parity-app
rm -rf "$out" && mkdir -p "$out"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
pnpm --silent --filter @verbatim/benchmarks deploy --prod --no-optional --legacy "$tmp/app" >/dev/null
find "$tmp/app/node_modules/.pnpm" -path '*onnxruntime-node/bin' -type d -prune -exec rm -rf {} +
rm -rf "$tmp/app/.cache" "$tmp/app/results"  # the peers' builds and long-form audio here; earlier results
# the fixtures of the architectures checked only (the others are ~8 MB that need not travel)
fixtures=$(find -L "$tmp/app/node_modules" -path '*reference/fixtures/reference' -type d | head -1)
[ -n "$fixtures" ] || { echo "no tools/reference fixtures in the deployed app" >&2; exit 1; }
for f in "$fixtures"/*.json.gz; do
  case ",$archs," in *",$(basename "$f" .json.gz),"*) ;; *) rm -f "$f" ;; esac
done
du -sh "$tmp/app"
tar -C "$tmp" -cJf "$out/bench.tar.xz" app
# the recordings every fixture was made from (the same ten clips for each architecture)
python3 - "$fixtures/${archs%%,*}.json.gz" >"$tmp/clips.txt" <<'PY'
import gzip, json, sys
for clip in json.load(gzip.open(sys.argv[1]))["clips"]:
    for name in clip["name"].removeprefix("long:").split("+"):
        print(f"speech/{name}")
PY
sort -u "$tmp/clips.txt" | tar -C "$shared" -cJf "$out/speech.tar.xz" -T -
tar -C "$shared" -cJf "$out/assets.tar.xz" assets/whisper
git rev-parse --short=12 HEAD >"$out/commit"
du -sh "$out" "$out"/*
