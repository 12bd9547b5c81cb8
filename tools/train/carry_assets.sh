#!/usr/bin/env bash
# Copy what training and export need from shared/assets into one small carried folder (~6 MB), laid out like
# shared/assets itself so that tools/reference's writers can use it as an assets root:
#
#   DEST/whisper/mel_filters.npz, english.json, LICENSE.openai-whisper
#   DEST/whisper/hf-onnx-community-whisper-base-tokenizer/{vocab.json, merges.txt, tokenizer.json,
#                                                          tokenizer_config.json}
#
# Usage: tools/train/carry_assets.sh [DEST] [SHARED_ASSETS]   (defaults: .carry/train-assets, ../shared/assets)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=${1:-$ROOT/.carry/train-assets}
SRC=${2:-${VERBATIM_SHARED:-$ROOT/../shared}/assets}
TOKDIR=whisper/hf-onnx-community-whisper-base-tokenizer
for f in whisper/mel_filters.npz whisper/english.json "$TOKDIR/vocab.json" "$TOKDIR/merges.txt" \
         "$TOKDIR/tokenizer.json" "$TOKDIR/tokenizer_config.json"; do
  [ -f "$SRC/$f" ] || { echo "missing $SRC/$f (pass SHARED_ASSETS or set VERBATIM_SHARED)" >&2; exit 1; }
done
rm -rf "$DEST"
mkdir -p "$DEST/$TOKDIR"
cp "$SRC/whisper/mel_filters.npz" "$SRC/whisper/english.json" "$DEST/whisper/"
[ -f "$SRC/whisper/LICENSE.openai-whisper" ] && cp "$SRC/whisper/LICENSE.openai-whisper" "$DEST/whisper/"
cp "$SRC/$TOKDIR/vocab.json" "$SRC/$TOKDIR/merges.txt" "$SRC/$TOKDIR/tokenizer.json" \
   "$SRC/$TOKDIR/tokenizer_config.json" "$DEST/$TOKDIR/"
chmod -R u+w "$DEST"
echo "train assets in $DEST ($(du -sh "$DEST" | cut -f1))"
