#!/usr/bin/env bash
# One call on the GPU machine (see tools/train/README.md). What comes back in $OUT (at most 6 files):
#   ckpt.part00..03   the packed checkpoint (<= 16 MiB each)      train_log.jsonl   the training log (this run)
#   run.log           this script's output (synthesis, training, summary)          eval_hf.json (eval-hf only)
#
#   bash tools/train/gpu_run.sh train  [--budget-s 540] [--n-utts 60000] [--corpus-seed N] [--eval-utts 4000]
#                                      [--engines espeak,flite,festival] [--augment-prob 0.7] [-- train.py arguments]
#   bash tools/train/gpu_run.sh smoke  [-- train.py arguments]     ~3 minutes through every code path
#   bash tools/train/gpu_run.sh stash                               keep the parts of a checkpoint carried in
#                                      .carry/train-ckpt here (added to those an earlier stash left), then exit
#   bash tools/train/gpu_run.sh fetch                               the last packed checkpoint on this machine -> $OUT
#   bash tools/train/gpu_run.sh text-fixtures                       transformers' tokenizer + normaliser fixtures
#   bash tools/train/gpu_run.sh heads [--model DIR | --ckpt DIR]    measure the alignment heads (alignment_heads.py)
#   bash tools/train/gpu_run.sh aligner [--aligner-s 480]           train the CTC aligner alone (own corpus)
#   train options: --no-ckpt-out  keep the packed checkpoint on the machine ($OUT keeps the logs; then `fetch`)
#                  --gpus N       train on N GPUs (torchrun, stage 2 only); an aligner (--aligner-s) gets GPU N
#                  --build-workers W  corpus synthesis processes (default 10; on a many-core machine, more)
#                  --markov-frac F    share of training texts walked from the training fortunes' trigrams (default 0)
#                  --examples-frac F  share of training texts drawn from WordNet's usage examples (default 0; needs
#                                     share/wordnet/examples.txt in the TTS bundle: carry_espeak.sh writes it)
#                  --prose-frac F     share of training texts drawn from Debian-packaged English prose (default 0;
#                                     needs share/prose/sentences.txt in the TTS bundle: carry_espeak.sh writes it)
#                  --train-text-mix K=S,...  shares of fortune/template/words among the other training texts
#                  --train-engine-weights E=W,...  how often espeak/flite/festival voice a training utterance
#                                 (both: build_corpus.py; valid/test texts and voices never change)
#                  --aligner-s S  also train the CTC aligner (tools/aligner) for S seconds on the same corpus, with an
#                                 alignment corpus (joined words); its model.onnx, vocab.json, results come back in $OUT
#   bash tools/train/gpu_run.sh eval-hf [--ckpt DIR | --model DIR] [--eval-utts 12000] [--eval-seed 777001]
#                                      [--speech DIR]
#
# Carried (see README): .carry/tts.tar.xz or .carry/tts/ (tools/synth/carry_espeak.sh), .carry/train-assets/
# (tools/train/carry_assets.sh; .carry/shared/assets/ works too), optionally .carry/train-ckpt/ (a checkpoint).
# Kept between calls on a warm machine: tools/train/.state/ (or $TRAIN_STATE): full.pt + meta.json (fp32 weights and
# optimizer state), packed/ (the last packed checkpoint), resume/ (stash), corpora.
# train resumes from the furthest of .state/full.pt, .state/packed, .state/resume and .carry/train-ckpt.
set -uo pipefail
export VERBATIM_T0=${VERBATIM_T0:-$(date +%s.%N)}
cd "$(dirname "$0")/../.."
ROOT=$PWD
MODE=${1:-train}
[ $# -gt 0 ] && shift

OUT=${OUT:-/tmp/verbatim-train-out}
STATE=${TRAIN_STATE:-$ROOT/tools/train/.state}
BUDGET=540
N_UTTS=60000
CORPUS_SEED=""
EVAL_UTTS=4000
EVAL_SEED=9001
MODEL_DIR=""
CKPT_DIR=""
SPEECH=""
WANT_ENGINES=""
HEADS_FILE=""
AUGMENT=0.7
CKPT_OUT=1
ALIGNER_S=0
GPUS=1
BUILD_WORKERS=10
MARKOV=0
EXAMPLES=0
PROSE=0
MIX_ARGS=()  # --train-text-mix / --train-engine-weights, for the training corpus only
MIX_TAG=""
TRAIN_ARGS=()
if [ "$MODE" = eval-hf ]; then EVAL_UTTS=12000; EVAL_SEED=777001; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --budget-s) BUDGET=$2; shift 2 ;;
    --n-utts) N_UTTS=$2; shift 2 ;;
    --corpus-seed) CORPUS_SEED=$2; shift 2 ;;
    --eval-utts) EVAL_UTTS=$2; shift 2 ;;
    --eval-seed) EVAL_SEED=$2; shift 2 ;;
    --model) MODEL_DIR=$2; shift 2 ;;
    --ckpt) CKPT_DIR=$2; shift 2 ;;
    --speech) SPEECH=$2; shift 2 ;;
    --heads-file) HEADS_FILE=$2; shift 2 ;;
    --engines) WANT_ENGINES=$2; shift 2 ;;
    --augment-prob) AUGMENT=$2; shift 2 ;;
    --no-ckpt-out) CKPT_OUT=0; shift ;;
    --aligner-s) ALIGNER_S=$2; shift 2 ;;
    --gpus) GPUS=$2; shift 2 ;;
    --build-workers) BUILD_WORKERS=$2; shift 2 ;;
    --markov-frac) MARKOV=$2; shift 2 ;;
    --examples-frac) EXAMPLES=$2; shift 2 ;;
    --prose-frac) PROSE=$2; shift 2 ;;
    --train-text-mix|--train-engine-weights)
      MIX_ARGS+=("$1" "$2"); MIX_TAG+="-${1#--train-}-$2"; shift 2 ;;
    --) shift; TRAIN_ARGS=("$@"); break ;;
    *) echo "gpu_run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$MODE" = smoke ]; then
  BUDGET=170; N_UTTS=6000; EVAL_UTTS=1500; STATE=$STATE-smoke
  TRAIN_ARGS=(--min-pool-utts 300 --eval-every 150 --stage1-min-steps 100 --stage1-max-steps 250 --save-every-s 60
              --eval-n 32 --final-eval-n 64 --eval-windows 8 --reserve-s 40 "${TRAIN_ARGS[@]}")
fi

mkdir -p "$OUT" "$STATE"
exec > >(tee -a "$OUT/run.log") 2>&1
elapsed() { python3 -c "import os,time; print(int(time.time() - float(os.environ['VERBATIM_T0'])))"; }
say() { echo "[gpu_run $(elapsed)s] $*"; }
say "mode $MODE, budget $BUDGET s, state $STATE"

# ---- stash: keep a carried checkpoint on this machine for the next call --------------------------------------
if [ "$MODE" = stash ]; then  # a checkpoint too big for one call travels in several (parts of one stream)
  ls .carry/train-ckpt*/ckpt.part* > /dev/null 2>&1 || { echo "no .carry/train-ckpt*/ckpt.partNN carried" >&2; exit 1; }
  mkdir -p "$STATE/resume" && cp .carry/train-ckpt*/ckpt.part* "$STATE/resume/" && ls -la "$STATE/resume"
  python3 tools/train/ckpt.py info "$STATE/resume" 2>&1 | head -8
  exit 0
fi
if [ "$MODE" = fetch ]; then
  cp "$STATE"/packed/ckpt.part* "$OUT/" && python3 tools/train/ckpt.py info "$OUT" | head -8
  exit $?
fi
if [ "$MODE" = text-fixtures ]; then
  A=""
  for a in .carry/train-assets .carry/shared/assets; do [ -f "$a/whisper/english.json" ] && { A=$a/whisper; break; }; done
  [ -n "$A" ] || { echo "no assets carried" >&2; exit 1; }
  python3 tools/fixtures/text/make_text_fixtures_gpu.py "$A/hf-onnx-community-whisper-base-tokenizer" \
    "$A/english.json" "$OUT/hf-text-fixtures.json"
  exit $?
fi

# ---- the speech engines and the assets ---------------------------------------------------------------------------
TTS=""
if [ -x .carry/tts/bin/espeak-ng ]; then
  TTS=$ROOT/.carry/tts
elif [ -f .carry/tts.tar.xz ]; then
  rm -rf /tmp/tts && tar -C /tmp -xJf .carry/tts.tar.xz && TTS=/tmp/tts
fi
[ -n "$TTS" ] && [ -x "$TTS/bin/espeak-ng" ] || { echo "no espeak-ng bundle: carry .carry/tts.tar.xz (tools/synth/carry_espeak.sh)" >&2; exit 1; }
ENGINES=espeak
ENGINE_ARGS=(--espeak-path "$TTS")
if [ -x "$TTS/bin/flite" ]; then ENGINES=$ENGINES,flite; ENGINE_ARGS+=(--flite-path "$TTS"); fi
if [ -x "$TTS/bin/festival" ] && [ -d "$TTS/share/festival" ]; then ENGINES=$ENGINES,festival; ENGINE_ARGS+=(--festival-path "$TTS"); fi
if [ -n "$WANT_ENGINES" ]; then  # a subset of what the bundle has (the training corpus only; evaluation keeps all)
  for e in ${WANT_ENGINES//,/ }; do
    case ",$ENGINES," in *",$e,"*) ;; *) echo "engine $e not in the bundle ($ENGINES)" >&2; exit 1 ;; esac
  done
fi

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
BUILD_PIDS=()
start_build() {  # out n seed workers engines augment-prob [n-align] [markov-frac] [examples-frac] [prose-frac] [more]
  say "building $1: $2 utterances, seed $3, $4 workers, engines $5, augment-prob $6, align ${7:-0}"
  nice -n 10 setsid python3 tools/synth/build_corpus.py --out "$1" --n-utterances "$2" --seed "$3" --workers "$4" \
    --n-align "${7:-0}" --shard-size 200 --engines "$5" --augment-prob "$6" "${ENGINE_ARGS[@]}" --text-root "$TTS/share" \
    --markov-frac "${8:-0}" --examples-frac "${9:-0}" --prose-frac "${10:-0}" "${@:11}" \
    > "$1.log" 2>&1 &
  BUILD_PIDS+=($!)
}
stop_builds() {
  for p in "${BUILD_PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null; done
  BUILD_PIDS=()
}
trap stop_builds EXIT
EVALC=$STATE/corpus-eval-$EVAL_SEED-$EVAL_UTTS-${ENGINES//,/-}
ALIGNC=$STATE/corpus-align-9101-${ENGINES//,/-}  # the joined-word alignment set (aligner and alignment heads)

if [ "$MODE" = train ] || [ "$MODE" = smoke ]; then
  # start the synthesis first: everything else overlaps with it
  BEST=$(python3 tools/train/ckpt.py best "$STATE/packed" "$STATE/resume" .carry/train-ckpt)
  if [ -z "$CORPUS_SEED" ]; then
    RUNS=$(python3 tools/train/ckpt.py runs "$STATE/meta.json" ${BEST:+"$BEST"})
    CORPUS_SEED=$((1 + RUNS))
  fi
  TRAIN_ENGINES=${WANT_ENGINES:-$ENGINES}
  MAIN=$STATE/corpus-r$CORPUS_SEED-$N_UTTS-${TRAIN_ENGINES//,/-}-a$AUGMENT-m$MARKOV-x$EXAMPLES-p$PROSE${MIX_TAG//[^A-Za-z0-9.=_-]/_}
  PREV=""  # keep at most one earlier finished training corpus (its audio joins the pool), drop the rest
  for d in $(ls -dt "$STATE"/corpus-r* 2>/dev/null); do
    case "$d" in *.log) continue ;; esac
    [ "$d" = "$MAIN" ] && continue
    if [ -z "$PREV" ] && [ -f "$d/manifest.jsonl" ]; then PREV=$d; else rm -rf "$d" "$d.log"; fi
  done
  [ -f "$EVALC/manifest.jsonl" ] || { rm -rf "$EVALC"; start_build "$EVALC" "$EVAL_UTTS" "$EVAL_SEED" 4 "$ENGINES" 0.7; }
  if [ -f "$MAIN/manifest.jsonl" ]; then say "corpus $MAIN already built"; else rm -rf "$MAIN"; start_build "$MAIN" "$N_UTTS" "$CORPUS_SEED" "$BUILD_WORKERS" "$TRAIN_ENGINES" "$AUGMENT" 0 "$MARKOV" "$EXAMPLES" "$PROSE" "${MIX_ARGS[@]}"; fi
  if [ "$ALIGNER_S" != 0 ] && [ ! -f "$ALIGNC/manifest.jsonl" ]; then
    rm -rf "$ALIGNC"; start_build "$ALIGNC" 600 9101 3 "$ENGINES" 0.7 500
  fi
fi

ASSETS_ROOT=""
for a in .carry/train-assets .carry/shared/assets; do
  [ -f "$a/whisper/mel_filters.npz" ] && { ASSETS_ROOT=$ROOT/$a; break; }
done
[ -n "$ASSETS_ROOT" ] || { echo "no training assets: carry .carry/train-assets (tools/train/carry_assets.sh)" >&2; exit 1; }
ASSETS=/tmp/verbatim-train-assets
rm -rf "$ASSETS" && mkdir -p "$ASSETS"
cp "$ASSETS_ROOT/whisper/hf-onnx-community-whisper-base-tokenizer/vocab.json" \
   "$ASSETS_ROOT/whisper/hf-onnx-community-whisper-base-tokenizer/merges.txt" \
   "$ASSETS_ROOT/whisper/mel_filters.npz" "$ASSETS_ROOT/whisper/english.json" "$ASSETS/"
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader || true

export_model() {  # MODEL_DIR given, or exported from the best checkpoint on this machine
  if [ -z "$MODEL_DIR" ]; then
    [ -n "$CKPT_DIR" ] || CKPT_DIR=$(python3 tools/train/ckpt.py best "$STATE/packed" "$STATE/resume" .carry/train-ckpt)
    [ -n "$CKPT_DIR" ] || { echo "no --model and no checkpoint found" >&2; exit 1; }
    MODEL_DIR=/tmp/verbatim-demo-tiny
    rm -rf "$MODEL_DIR"
    python3 tools/train/export_hf.py --ckpt "$CKPT_DIR" --out "$MODEL_DIR" --assets "$ASSETS_ROOT" ${HEADS_FILE:+--alignment-heads-file "$HEADS_FILE"} || exit 1
  fi
}
if [ "$MODE" = heads ] || [ "$MODE" = aligner ]; then
  if [ ! -f "$ALIGNC/manifest.jsonl" ]; then rm -rf "$ALIGNC"; start_build "$ALIGNC" 600 9101 6 "$ENGINES" 0.7 500; fi
fi
if [ "$MODE" = heads ]; then
  export_model
  [ ${#BUILD_PIDS[@]} -gt 0 ] && { wait "${BUILD_PIDS[@]}"; BUILD_PIDS=(); }
  python3 tools/train/alignment_heads.py --model "$MODEL_DIR" --corpus "$ALIGNC" --out "$OUT/heads.json"
  exit $?
fi
if [ "$MODE" = aligner ]; then
  [ "$ALIGNER_S" = 0 ] && ALIGNER_S=$((BUDGET - 90))
  [ -n "$CORPUS_SEED" ] || CORPUS_SEED=501
  MAIN=$STATE/corpus-aligner-$CORPUS_SEED-$N_UTTS-${ENGINES//,/-}-a$AUGMENT
  [ -f "$MAIN/manifest.jsonl" ] || { rm -rf "$MAIN"; start_build "$MAIN" "$N_UTTS" "$CORPUS_SEED" 10 "$ENGINES" "$AUGMENT"; }
  mkdir -p "$OUT/aligner"
  while [ ! -f "$ALIGNC/manifest.jsonl" ]; do sleep 2; done
  python3 -u tools/aligner/train_aligner.py --corpus "$MAIN" --eval-corpus "$ALIGNC" --out "$OUT/aligner" \
    --budget-s "$ALIGNER_S" 2>&1 | tee "$OUT/aligner/aligner.log" | grep -v "^\[aligner train\]" ; RC=${PIPESTATUS[0]}
  stop_builds
  exit $RC
fi

# ---- eval-hf: export (if given a checkpoint) and check a model folder the way a user runs it ----------------------
if [ "$MODE" = eval-hf ]; then
  if [ ! -f "$EVALC/manifest.jsonl" ]; then rm -rf "$EVALC"; start_build "$EVALC" "$EVAL_UTTS" "$EVAL_SEED" "$(( $(nproc) > 40 ? 48 : 16 ))" "$ENGINES" 0.7; fi
  export_model
  [ ${#BUILD_PIDS[@]} -gt 0 ] && { wait "${BUILD_PIDS[@]}"; BUILD_PIDS=(); }
  tail -n 2 "$EVALC.log" 2>/dev/null
  SP=()
  [ -n "$SPEECH" ] && SP=(--speech "$SPEECH")
  python3 tools/train/eval_hf.py --model "$MODEL_DIR" --corpus "$EVALC" --out "$OUT/eval_hf.json" \
    --english-json "$ASSETS/english.json" "${SP[@]}"
  exit $?
fi

# ---- train / smoke -----------------------------------------------------------------------------------------------
TRAIN_OUT=$OUT
[ "$CKPT_OUT" = 0 ] && { TRAIN_OUT=$STATE/run-out; rm -rf "$TRAIN_OUT"; mkdir -p "$TRAIN_OUT"; }
ALIGNER_PID=""
if [ "$ALIGNER_S" != 0 ]; then
  mkdir -p "$OUT/aligner"
  ( while [ ! -f "$ALIGNC/manifest.jsonl" ]; do sleep 2; done
    say "aligner: training ${ALIGNER_S}s"
    [ "$GPUS" -gt 1 ] && export CUDA_VISIBLE_DEVICES=$GPUS  # its own GPU, after the training ranks'
    python3 -u tools/aligner/train_aligner.py --corpus "$MAIN" ${PREV:+--corpus "$PREV"} --eval-corpus "$ALIGNC" \
      --out "$OUT/aligner" --budget-s "$ALIGNER_S" > "$OUT/aligner/aligner.log" 2>&1
    say "aligner: exit $?" ) &
  ALIGNER_PID=$!
fi
ARGS=(--assets "$ASSETS" --out "$TRAIN_OUT" --state "$STATE" --corpus "$MAIN" --eval-corpus "$EVALC" --budget-s "$BUDGET")
[ -n "$PREV" ] && ARGS+=(--corpus "$PREV")
[ -n "$BEST" ] && ARGS+=(--resume "$BEST")
LIMIT=$((BUDGET + 25 - $(elapsed)))
say "resume: state $( [ -f "$STATE/full.pt" ] && echo yes || echo no ), packed ${BEST:-none}; corpus seed $CORPUS_SEED"
say "train.py ${ARGS[*]} ${TRAIN_ARGS[*]} (hard limit ${LIMIT}s)"
LAUNCH=(python3 -u)
if [ "$GPUS" -gt 1 ]; then  # one process a GPU; NVLink multicast stays off (the machine's GPUs are shared)
  export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1 PYTHONUNBUFFERED=1
  LAUNCH=(torchrun --standalone --nproc-per-node "$GPUS")
fi
timeout --signal=TERM --kill-after=30 "$LIMIT" "${LAUNCH[@]}" tools/train/train.py "${ARGS[@]}" "${TRAIN_ARGS[@]}"
RC=$?
say "train.py exit $RC"
if [ -n "$ALIGNER_PID" ]; then wait "$ALIGNER_PID"; tail -n 3 "$OUT/aligner/aligner.log"; rm -f "$OUT/aligner/aligner.pt.tmp"; fi
stop_builds
[ "$CKPT_OUT" = 0 ] && cp "$TRAIN_OUT/train_log.jsonl" "$OUT/"

# ---- summary -----------------------------------------------------------------------------------------------------
for f in "$EVALC.log" "$MAIN.log"; do [ -f "$f" ] && { echo "--- $f"; tail -n 2 "$f"; }; done
python3 tools/train/ckpt.py info "$TRAIN_OUT" 2>&1 | head -6
python3 - "$OUT/train_log.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
start = max((i for i, r in enumerate(rows) if r["kind"] == "start"), default=0)
rows = rows[start:]
tr = [r for r in rows if r["kind"] == "train"]
print("step   stage  loss    ctc     ce      steps/s  pool_h")
for r in tr[::10] + tr[-1:]:
    print(f"{r['step']:<6} {r['stage']:<6} {r.get('loss', 0):<7.4f} {r.get('ctc', 0):<7.4f} {r.get('ce', 0):<7.4f} "
          f"{r['steps_per_s']:<8} {r['pool_h']}")
for r in rows:
    if r["kind"] in ("eval", "stage", "done", "warning", "tokenizer_check", "pool"):
        print(r["kind"], {k: v for k, v in r.items() if k not in ("kind", "time", "examples", "last_eval")})
EOF
ls -la "$OUT"
exit $RC
