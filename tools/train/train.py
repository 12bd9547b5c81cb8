#!/usr/bin/env python3
"""Train the demo model (the exact Whisper tiny architecture) on the GPU machine, within a wall-clock budget.

    python3 tools/train/train.py --assets DIR --out $OUT --state DIR --corpus DIR [--corpus DIR ...] \
        --eval-corpus DIR [--resume DIR ...] --budget-s 540

Stage 1: the encoder alone with a linear character-CTC head on packed 30 s windows (batch 64, lr 1e-3, 300 warm-up
steps, bf16 autocast, log-mel on the GPU), until the CTC loss breaks through (mean loss over the last log interval
below --ctc-breakthrough, 0.5) or --stage1-max-steps. Stage 2 (in the same run when the break-through comes early
enough): the whole model on Whisper's own format (targets.py), CTC kept as an auxiliary loss (--ctc-weight), with a
fresh optimizer and warm-up. The corpus (tools/synth) is rendered by other processes while this trains: the audio of
every finished shard is moved into one float16 buffer on the GPU and windows are packed there.

Checkpoints: the packed form (ckpt.py: fp16 weights, only the embedding rows of tokens seen in training, <= 16 MiB
parts) goes to --out at every --save-every-s and at the end; the full state (fp32 weights + AdamW state) goes to
--state, which survives between calls on a warm machine. Resume order: --state if it is at least as far as the
packed checkpoint in --resume; else the packed checkpoint with a fresh optimizer and --rewarm warm-up steps.
The JSON-lines log (loss, learning rate, throughput, pool size, validation CER/WER, examples) goes to
--out/train_log.jsonl.

Several GPUs (stage 2 only): `torchrun --nproc-per-node N train.py ...`. Every rank loads the same corpora into its own
pool and draws its own windows (its own seed); after each backward pass the gradients of all ranks are averaged in one
flat all-reduce that also carries each rank's wish to stop, so every rank takes the same steps and stops after the
same one. Rank 0 alone logs, evaluates and saves; the others wait for it at the next all-reduce.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import signal
import sys
import threading
import time
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "reference", "python")
SYNTH = os.path.join(HERE, "..", "synth")
for p in (HERE, REFERENCE):
    if p not in sys.path:
        sys.path.insert(0, p)

import ckpt  # noqa: E402
import corpus  # noqa: E402
import targets as T  # noqa: E402
import textnorm  # noqa: E402
from bpe import BPE  # noqa: E402
import whisper_layouts as wl  # noqa: E402

ARCH = "tiny"
EMBED = "model.decoder.embed_tokens.weight"
ENC_POS = "model.encoder.embed_positions.weight"
ARCH_KEYS = ("vocab_size", "num_mel_bins", "encoder_layers", "encoder_attention_heads", "decoder_layers",
             "decoder_attention_heads", "decoder_ffn_dim", "encoder_ffn_dim", "d_model", "max_source_positions",
             "max_target_positions", "pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id",
             "scale_embedding", "activation_function", "dropout", "attention_dropout", "activation_dropout",
             "init_std", "apply_spec_augment", "use_cache", "is_encoder_decoder", "median_filter_width")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--assets", required=True, help="folder with vocab.json, merges.txt, mel_filters.npz "
                   "(english.json optional): made by tools/train/carry_assets.sh")
    p.add_argument("--out", required=True, help="where the packed checkpoint and the log go ($OUT)")
    p.add_argument("--state", default=None, help="folder for the full state (kept between calls on a warm machine)")
    p.add_argument("--corpus", action="append", default=[], help="corpus folder (finished or being built); "
                   "its train shards feed training")
    p.add_argument("--eval-corpus", default=None, help="corpus whose test/valid splits are the validation sets "
                   "(its train shards feed training too)")
    p.add_argument("--resume", action="append", default=[], help="folder(s) with ckpt.partNN of a packed checkpoint")
    p.add_argument("--budget-s", type=float, default=540.0, help="wall-clock budget, counted from $VERBATIM_T0 "
                   "(epoch seconds, set by gpu_run.sh) or from this process's start")
    p.add_argument("--reserve-s", type=float, default=45.0, help="kept at the end for the final evaluation and save")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--embed-seed", type=int, default=1234, help="seed of the token embedding's initial values "
                   "(tools/reference seeded-v1); a resumed checkpoint's own seed wins")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3, help="stage 1 peak learning rate")
    p.add_argument("--lr2", type=float, default=1e-3, help="stage 2 peak learning rate")
    p.add_argument("--enc-lr-mult", type=float, default=1.0, help="stage 2: encoder learning rate multiplier")
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--rewarm", type=int, default=100, help="warm-up steps after resuming without optimizer state")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--stage", choices=("auto", "1", "2"), default="auto",
                   help="auto: start at the checkpoint's stage (1 when fresh), go to 2 on the CTC break-through")
    p.add_argument("--ctc-breakthrough", type=float, default=0.5)
    p.add_argument("--stage1-min-steps", type=int, default=800)
    p.add_argument("--stage1-max-steps", type=int, default=6000)
    p.add_argument("--ctc-weight", type=float, default=0.2, help="stage 2 auxiliary CTC loss weight")
    p.add_argument("--p-notimestamps", type=float, default=0.4)
    p.add_argument("--p-prompt", type=float, default=0.3, help="windows whose sequence follows a <|startofprev|> "
                   "prompt of other utterances' text (plain or timestamped), as long-form transcription conditions")
    p.add_argument("--p-nospeech", type=float, default=0.04, help="windows without speech (silence or a noise "
                   "floor), target <|startoftranscript|><|nospeech|><|endoftext|>: no_speech_prob learns from them")
    p.add_argument("--words-frac", type=float, default=0.0,
                   help="draw this share of utterances from the random-word texts (0: the corpus's own mix, ~25%%)")
    p.add_argument("--noise-prob", type=float, default=0.5, help="windows given a noise floor over the whole 30 s")
    p.add_argument("--max-active-rows", type=int, default=24000,
                   help="cap on the embedding rows that train (each costs 768 bytes in the packed checkpoint)")
    p.add_argument("--pool-hours", type=float, default=150.0, help="GPU audio pool capacity (float16)")
    p.add_argument("--min-pool-utts", type=int, default=1000, help="utterances loaded before training starts")
    p.add_argument("--eval-every", type=int, default=1500)
    p.add_argument("--eval-n", type=int, default=128, help="utterances per periodic evaluation")
    p.add_argument("--final-eval-n", type=int, default=400)
    p.add_argument("--eval-windows", type=int, default=32, help="packed windows for the timestamp evaluation")
    p.add_argument("--save-every-s", type=float, default=150.0)
    p.add_argument("--anneal-s", type=float, default=0.0,
                   help="decay the learning rate linearly to 5%% over the last N seconds of the budget")
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps in this run (0: budget)")
    p.add_argument("--ckpt-dtype", choices=ckpt.FLOAT_DTYPES, default="f16")
    return p.parse_args(argv)


class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8") if path else None  # None: a rank > 0 (rank 0 logs for all)
        self.t0 = time.time()

    def __call__(self, kind, **kw):
        if self.f is None:
            if kind in ("warning", "error"):
                print(f"[{kind} rank {os.environ.get('RANK')}] " + json.dumps(kw, default=_json_default)[:600],
                      flush=True)
            return
        rec = {"kind": kind, "time": round(time.time(), 3), **kw}
        self.f.write(json.dumps(rec, sort_keys=True, default=_json_default) + "\n")
        self.f.flush()
        short = {k: v for k, v in kw.items() if k not in ("examples", "config", "args")}
        print(f"[{kind}] " + json.dumps(short, default=_json_default)[:600], flush=True)


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


# ----------------------------------------------------------------------------------------------------------------


class Pool:
    """Every loaded training utterance: float16 audio in one GPU buffer plus per-utterance records."""

    def __init__(self, torch, device, capacity_samples):
        self.audio = torch.empty(int(capacity_samples), dtype=torch.float16, device=device)
        self.capacity = int(capacity_samples)
        self.used = 0
        self.start = np.zeros(1 << 16, np.int64)
        self.length = np.zeros(1 << 16, np.int64)
        self.text_ids: list[list[int]] = []
        self.ctc: list[list[int]] = []
        self.words_idx: list[int] = []  # utterances of random dictionary words (text kind "words")
        self.n = 0
        self.full = False
        self.lock = threading.Lock()
        self.torch = torch

    def add(self, audio16: np.ndarray, recs: list[dict]) -> bool:
        k = audio16.size
        if self.used + k > self.capacity:
            self.full = True
            return False
        self.audio[self.used:self.used + k].copy_(self.torch.from_numpy(audio16))
        with self.lock:
            need = self.n + len(recs)
            if need > self.start.size:
                size = max(need, 2 * self.start.size)
                self.start = np.resize(self.start, size)
                self.length = np.resize(self.length, size)
            for i, r in enumerate(recs):
                self.start[self.n + i] = self.used + r["offset"]
                self.length[self.n + i] = r["n"]
                self.text_ids.append(r["text_ids"])
                self.ctc.append(r["ctc"])
                if r.get("kind") == "words":
                    self.words_idx.append(self.n + i)
            self.used += k
            self.n = need
        return True

    def hours(self) -> float:
        return self.used / 16000 / 3600


def loader_thread(pool: Pool, watcher: corpus.ShardWatcher, bpe: BPE, stop: threading.Event, status: dict):
    try:
        while not stop.is_set():
            new = watcher.poll()
            if not new:
                if all(corpus.build_done(d) for d in watcher.dirs):
                    status["all_loaded"] = True
                stop.wait(1.0)
                continue
            for d, name in new:
                if stop.is_set() or pool.full:
                    break
                entries, audio = corpus.read_shard(d, name)
                a16, recs = corpus.prepare_shard(entries, audio, bpe.encode)
                if not pool.add(a16, recs):
                    status["pool_full"] = True
                    break
                status["shards"] = status.get("shards", 0) + 1
            if pool.full:
                status["pool_full"] = True
                return
    except Exception:  # pragma: no cover - reported in the log
        status["error"] = traceback.format_exc()


# ----------------------------------------------------------------------------------------------------------------


class BatchMaker:
    """Draws windows from the pool on the CPU (placements and targets); the audio is gathered on the GPU."""

    def __init__(self, pool: Pool, args, seed):
        self.pool = pool
        self.args = args
        self.rng = np.random.default_rng(seed)
        self.cfg = T.PackConfig()

    def make(self):
        pool, rng, B = self.pool, self.rng, self.args.batch
        with pool.lock:  # a consistent snapshot (the loader thread appends and may reallocate the arrays)
            n = pool.n
            lengths = pool.length
            starts = pool.start
            words = pool.words_idx
            n_words = len(words)
        p_words = self.args.words_frac if n_words else 0.0

        def draw():
            if p_words > 0 and rng.random() < p_words:
                i = words[int(rng.integers(n_words))]
            else:
                i = int(rng.integers(n))
            return i, int(lengths[i])

        seg_b, seg_dst, seg_src, seg_len = [], [], [], []
        seqs, ctc_t, ctc_l, n_segs, ts_flags, silent = [], [], [], [], [], []
        for b in range(B):
            quiet = bool(rng.random() < self.args.p_nospeech)
            placed = [] if quiet else T.pack_window(rng, draw, self.cfg)
            ts = bool(rng.random() >= self.args.p_notimestamps)
            segs = [(s, s + m, pool.text_ids[u]) for (u, s, m) in placed]
            k = T.fit_segments(segs, ts)
            placed, segs = placed[:k], segs[:k]
            for (u, s, m) in placed:
                seg_b.append(b)
                seg_dst.append(b * T.WINDOW_SAMPLES + s)
                seg_src.append(int(starts[u]))
                seg_len.append(m)
            for (u, offset, s, m) in ([] if quiet else T.edge_fragments(rng, placed, draw, self.cfg)):
                seg_b.append(b)  # audio only: the target does not change
                seg_dst.append(b * T.WINDOW_SAMPLES + s)
                seg_src.append(int(starts[u]) + offset)
                seg_len.append(m)
            seq = list(T.NO_SPEECH_SEQUENCE) if quiet else T.build_sequence(segs, ts)
            prompt = []
            if not quiet and rng.random() < self.args.p_prompt:
                texts = [pool.text_ids[int(rng.integers(n))] for _ in range(T.prompt_text_count(rng))]
                room = min(T.MAX_PROMPT_TOKENS, T.MAX_TARGET_POSITIONS - (len(seq) - 1))
                prompt = T.build_prompt(rng, texts, bool(rng.random() < 0.5), room)
            seqs.append((prompt + seq, len(prompt)))
            silent.append(quiet)
            c = []
            for j, (u, _, _) in enumerate(placed):
                if j:
                    c.append(1)  # space
                c.extend(pool.ctc[u])
            ctc_t.extend(c)
            ctc_l.append(len(c))
            n_segs.append(len(placed))
            ts_flags.append(ts)
        L = max(len(s) - 1 for s, _ in seqs)
        dec_in = np.full((B, L), T.EOT, np.int64)
        lab_pos, lab_val = [], []
        toks = set()
        for b, (s, plen) in enumerate(seqs):
            inp, lab = T.training_pair(s, plen)
            dec_in[b, :len(inp)] = inp
            toks.update(s)
            for i, t in enumerate(lab):
                if t != T.IGNORE:
                    lab_pos.append(b * L + i)
                    lab_val.append(t)
        noise = np.where(rng.random(B) < self.args.noise_prob,
                         10.0 ** (rng.uniform(-70.0, -40.0, B) / 20.0), 0.0).astype(np.float32)
        # windows without speech: mostly a noise floor, up to -30 dBFS, so "no speech" is not just digital zero
        quiet_noise = np.where(rng.random(B) < 0.8, 10.0 ** (rng.uniform(-75.0, -30.0, B) / 20.0), 0.0)
        noise = np.where(np.array(silent), quiet_noise, noise).astype(np.float32)
        return {"seg_dst": np.array(seg_dst, np.int64), "seg_src": np.array(seg_src, np.int64),
                "seg_len": np.array(seg_len, np.int64), "total": int(sum(seg_len)),
                "dec_in": dec_in, "lab_pos": np.array(lab_pos, np.int64), "lab_val": np.array(lab_val, np.int64),
                "ctc_t": np.array(ctc_t, np.int64), "ctc_l": np.array(ctc_l, np.int64),
                "noise": noise, "tokens": np.array(sorted(toks), np.int64), "n_segs": n_segs,
                "ts": ts_flags}


def prefetch_thread(maker: BatchMaker, q: queue.Queue, stop: threading.Event, torch, status: dict):
    try:
        while not stop.is_set():
            b = maker.make()
            for k, v in list(b.items()):
                if isinstance(v, np.ndarray) and k != "tokens":
                    b[k] = torch.from_numpy(v).pin_memory()
            while not stop.is_set():
                try:
                    q.put(b, timeout=0.5)
                    break
                except queue.Full:
                    continue
    except Exception:  # pragma: no cover
        status["prefetch_error"] = traceback.format_exc()


# ----------------------------------------------------------------------------------------------------------------


class LogMel:
    """Whisper's log-mel spectrogram on the GPU: torch.stft (n_fft 400, hop 160, periodic Hann, reflect padding),
    power, mel_filters.npz, log10 clamped at 1e-10, floor at max - 8, (x + 4) / 4; the last frame dropped."""

    def __init__(self, torch, filters: np.ndarray, device):
        self.torch = torch
        self.filters = torch.from_numpy(np.asarray(filters, np.float32)).to(device)
        self.window = torch.hann_window(400, device=device)

    def __call__(self, audio):
        torch = self.torch
        stft = torch.stft(audio.float(), 400, 160, window=self.window, return_complex=True)
        mag = stft[..., :-1].abs() ** 2
        mel = self.filters @ mag
        log = torch.clamp(mel, min=1e-10).log10()
        log = torch.maximum(log, log.amax(dim=(-2, -1), keepdim=True) - 8.0)
        return (log + 4.0) / 4.0


def condition(entry: dict) -> str:
    """An utterance's recording condition for per-condition error rates: engine / the hardest augmentation
    (babble or noise below 10 dB SNR, noise, reverberation, telephone, clipping) or clean."""
    ops = {a["op"]: a for a in entry.get("augment", [])}
    if "noise" in ops:
        kind = "noise<10dB" if ops["noise"]["snr_db"] < 10 else "noise>=10dB"
    elif "reverb" in ops:
        kind = "reverb"
    elif "telephone" in ops:
        kind = "telephone"
    elif "clip" in ops:
        kind = "clip"
    else:
        kind = "clean"
    return f"{entry.get('voice', {}).get('engine', '?')}/{kind}"


def pad_window(x: np.ndarray) -> np.ndarray:
    out = np.zeros(T.WINDOW_SAMPLES, np.float32)
    n = min(x.size, T.WINDOW_SAMPLES)
    out[:n] = x[:n]
    return out


class EvalData:
    """The validation sets, from a finished corpus: single utterances of the test split (unseen sentences and voice
    settings) and of the valid split (unseen sentences, seen voices), raw as a user would record them, and packed
    windows of trimmed test utterances with true timestamps."""

    def __init__(self, corpus_dir, bpe: BPE, n_windows: int, seed: int = 4242):
        if SYNTH not in sys.path:
            sys.path.insert(0, SYNTH)
        import shards  # noqa: PLC0415  (tools/synth)

        reader = shards.AudioReader(corpus_dir)
        self.sets = {}
        for split in ("test", "valid"):
            items = []
            for e in shards.read_manifest(corpus_dir, split):
                items.append({"id": e["id"], "text": e["text"].strip(), "spoken": e.get("spoken", e["text"]),
                              "audio": reader.audio(e), "condition": condition(e)})
            self.sets[split] = items
        rng = np.random.default_rng(seed)
        test = self.sets["test"]
        trimmed = []
        for it in test:
            a, b = corpus.trim_bounds(it["audio"])
            trimmed.append(it["audio"][a:b])
        self.windows = []
        # without long pauses: the evaluation windows stay those of earlier runs, comparable across them
        cfg = T.PackConfig(p_single=0.0, p_partial=0.3, p_long_gap=0.0)
        def draw():
            k = int(rng.integers(len(test)))
            return k, trimmed[k].size

        for _ in range(n_windows if test else 0):
            placed = T.pack_window(rng, draw, cfg)
            audio = np.zeros(T.WINDOW_SAMPLES, np.float32)
            segs = []
            for u, s, m in placed:
                audio[s:s + m] = trimmed[u]
                segs.append((s / 16000.0, (s + m) / 16000.0, test[u]["text"]))
            self.windows.append({"audio": audio, "segments": segs})


def generated(out) -> list[list[int]]:
    t = out["sequences"] if isinstance(out, dict) else getattr(out, "sequences", out)
    return [[int(x) for x in row] for row in t.tolist()]


# ----------------------------------------------------------------------------------------------------------------


class Trainer:
    def __init__(self, args):
        import torch
        import transformers

        self.torch, self.transformers, self.args = torch, transformers, args
        self.t0 = float(os.environ.get("VERBATIM_T0", time.time()))
        self.deadline = self.t0 + args.budget_s
        os.makedirs(args.out, exist_ok=True)
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.log = Log(os.path.join(args.out, "train_log.jsonl") if self.rank == 0 else None)
        if self.world > 1:
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            self.dev = torch.device("cuda", local)
            torch.distributed.init_process_group("nccl", device_id=self.dev)
        else:
            self.dev = torch.device("cuda")
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        self.stop_requested = False
        signal.signal(signal.SIGTERM, self._on_term)
        self.bpe = BPE(args.assets)
        self.spelling = textnorm.load_spelling(os.path.join(args.assets, "english.json"))
        with np.load(os.path.join(args.assets, "mel_filters.npz")) as f:
            self.mel = LogMel(torch, f["mel_80"], self.dev)
        self.embed_seed = args.embed_seed
        self.step = 0          # optimizer steps over all runs
        self.stage = 1
        self.stage_step = 0    # optimizer steps in the current stage
        self.opt_step = 0      # steps of the current optimizer (for warm-up)
        self.warmup_steps = args.warmup
        self.history = {"runs": []}
        self.last_eval = {}
        self.run_steps = 0
        self.shared_left = None  # several GPUs: rank 0's seconds left, as every rank last read it

    def _on_term(self, *_):
        self.stop_requested = True

    def left(self) -> float:
        return self.deadline - time.time()

    # -- model ---------------------------------------------------------------------------------------------------

    def build_model(self):
        torch, transformers = self.torch, self.transformers
        full = wl.config_json(ARCH, "f32")
        cfg = transformers.WhisperConfig(**{k: full[k] for k in ARCH_KEYS if k in full})
        torch.manual_seed(self.args.seed)
        model = transformers.WhisperForConditionalGeneration(cfg)
        model.generation_config = transformers.GenerationConfig.from_dict(wl.generation_config_json(ARCH))
        self.emb_spec = ckpt.seeded_embedding_spec(self.embed_seed, ARCH, EMBED)
        self.emb_base = ckpt.base_tensor(self.emb_spec)
        with torch.no_grad():
            model.model.decoder.embed_tokens.weight.copy_(torch.from_numpy(np.array(self.emb_base)))
        if model.get_output_embeddings().weight is not model.get_input_embeddings().weight:
            model.tie_weights()
        assert model.get_output_embeddings().weight is model.get_input_embeddings().weight, "proj_out not tied"
        self.model = model.to(self.dev)
        transformers.logging.set_verbosity_error()  # generate's max_length / max_new_tokens notice, every call
        self.ctc_head = torch.nn.Linear(cfg.d_model, T.N_CTC).to(self.dev)
        self.active = np.zeros(T.N_VOCAB, bool)
        self.active_gpu = torch.zeros(T.N_VOCAB, dtype=torch.bool, device=self.dev)
        names = {n for n, _ in self.model.named_parameters()}
        want = {t.hf_name for t in wl.sw.whisper_tensors(ARCH)}
        if names != want:
            self.log("warning", message="parameter names differ from the published layout",
                     missing=sorted(want - names), extra=sorted(names - want))
        self.log("model", params=sum(p.numel() for p in self.model.parameters()),
                 transformers=transformers.__version__, torch=torch.__version__,
                 device=torch.cuda.get_device_name(0), attn=getattr(cfg, "_attn_implementation", None))

    def named_tensors(self, stage: int) -> dict:
        """What a packed checkpoint stores: every model tensor (stage 1: the encoder only) and the CTC head."""
        out = {}
        for n, p in self.model.named_parameters():
            if stage == 1 and not n.startswith("model.encoder."):
                continue
            out[n] = p.detach().float().cpu().numpy()
        for n, p in self.ctc_head.named_parameters():
            out["ctc_head." + n] = p.detach().float().cpu().numpy()
        return out

    def activate(self, tokens) -> int:
        """Let these embedding rows train (up to the cap). Returns how many were new."""
        tokens = np.asarray(tokens, np.int64)
        new = tokens[~self.active[tokens]]
        room = self.args.max_active_rows - int(self.active.sum())
        if new.size == 0 or room <= 0:
            return 0
        new = new[:room]
        self.active[new] = True
        self.active_gpu[self.torch.from_numpy(new).to(self.dev)] = True
        return int(new.size)

    def activate_specials(self):
        ids = [T.SOT, T.EN, T.TRANSCRIBE, T.NO_TIMESTAMPS, T.EOT, T.START_OF_PREV, T.NO_CAPTIONS] + \
            list(range(T.TIMESTAMP_BEGIN, T.N_VOCAB))
        self.active[ids] = True
        self.active_gpu[self.torch.tensor(ids, device=self.dev)] = True

    # -- optimizer -----------------------------------------------------------------------------------------------

    def make_optimizer(self, warmup: int):
        torch = self.torch
        decay, no_decay, enc_decay, enc_no_decay = [], [], [], []
        for n, p in list(self.model.named_parameters()) + [("ctc_head." + n, p) for n, p in
                                                           self.ctc_head.named_parameters()]:
            if not p.requires_grad:
                continue
            if self.stage == 1 and not (n.startswith("model.encoder.") or n.startswith("ctc_head.")):
                continue
            is_enc = n.startswith("model.encoder.") or n.startswith("ctc_head.")
            no_wd = p.ndim < 2 or "embed" in n  # biases, layer norms, embeddings (unseen rows must not move)
            if is_enc:
                (enc_no_decay if no_wd else enc_decay).append(p)
            else:
                (no_decay if no_wd else decay).append(p)
        mult = 1.0 if self.stage == 1 else self.args.enc_lr_mult
        groups = [{"params": enc_decay, "weight_decay": self.args.weight_decay, "lr_mult": mult},
                  {"params": enc_no_decay, "weight_decay": 0.0, "lr_mult": mult},
                  {"params": decay, "weight_decay": self.args.weight_decay, "lr_mult": 1.0},
                  {"params": no_decay, "weight_decay": 0.0, "lr_mult": 1.0}]
        groups = [g for g in groups if g["params"]]
        self.opt = torch.optim.AdamW(groups, lr=self.peak_lr(), betas=(0.9, 0.98), eps=1e-6, fused=True)
        self.opt_step = 0
        self.warmup_steps = warmup
        self.params = [p for g in groups for p in g["params"]]

    def peak_lr(self) -> float:
        return self.args.lr if self.stage == 1 else self.args.lr2

    def lr_now(self) -> float:
        lr = self.peak_lr() * min(1.0, (self.opt_step + 1) / max(1, self.warmup_steps))
        if self.args.anneal_s > 0:  # several GPUs: rank 0's clock, so that every rank takes the same step
            left = (self.shared_left if self.world > 1 else self.left()) - self.args.reserve_s
            if left < self.args.anneal_s:
                lr *= 0.05 + 0.95 * max(0.0, left) / self.args.anneal_s
        return lr

    def enter_stage2(self, reason: str):
        self.stage = 2
        self.stage_step = 0
        self.activate_specials()
        self.make_optimizer(self.args.warmup)
        self.log("stage", stage=2, step=self.step, reason=reason)

    # -- checkpoints ---------------------------------------------------------------------------------------------

    def meta(self) -> dict:
        return {"arch": ARCH, "step": self.step, "stage": self.stage, "stage_step": self.stage_step,
                "embed_seed": self.embed_seed, "seed": self.args.seed, "active_rows": int(self.active.sum()),
                "history": self.history, "last_eval": self.last_eval, "saved_at": time.time(),
                "ctc_chars": T.CTC_CHARS, "torch": self.torch.__version__,
                "transformers": self.transformers.__version__}

    def save(self, final: bool = False):
        if self.rank != 0:
            return
        t = time.time()
        tensors = self.named_tensors(self.stage)
        rows = {EMBED: self.emb_spec} if EMBED in tensors else {}
        if EMBED in tensors:
            changed = ckpt.changed_rows(tensors[EMBED], self.emb_base)
            extra = np.setdiff1d(changed, np.nonzero(self.active)[0])
            if extra.size and self.world == 1:  # with several ranks the rows trained are the union of theirs
                self.log("warning", message=f"{extra.size} embedding rows changed outside the active set")
        self.history["last_save_step"] = self.step
        stream, header = ckpt.build_stream(tensors, self.meta(), dtype=self.args.ckpt_dtype, rows=rows)
        paths = ckpt.write_parts(self.args.out, stream)
        t_packed = time.time() - t
        if self.args.state:
            os.makedirs(self.args.state, exist_ok=True)
            ckpt.write_parts(os.path.join(self.args.state, "packed"), stream)
            tmp = os.path.join(self.args.state, "full.pt.tmp")
            self.torch.save({"model": self.model.state_dict(), "ctc_head": self.ctc_head.state_dict(),
                             "opt": self.opt.state_dict(), "opt_step": self.opt_step,
                             "warmup_steps": self.warmup_steps, "active": self.active, "meta": self.meta()}, tmp)
            os.replace(tmp, os.path.join(self.args.state, "full.pt"))
            with open(os.path.join(self.args.state, "meta.json"), "w", encoding="utf-8") as f:
                json.dump(self.meta(), f, default=_json_default)
        self.log("save", step=self.step, stage=self.stage, final=final, parts=len(paths),
                 mib=round(len(stream) / ckpt.MIB, 2), packed_s=round(t_packed, 2), total_s=round(time.time() - t, 2),
                 rows=next((e["rows"]["count"] for e in header["tensors"] if e["kind"] == "rows"), 0))

    def resume(self):
        """Returns how the run started: fresh, state or packed."""
        torch = self.torch
        packed = None
        if self.args.resume:
            folders = [f for f in self.args.resume if os.path.isdir(f)]
            try:
                if folders:
                    packed = ckpt.unpack(folders)
            except (FileNotFoundError, ValueError) as e:
                self.log("warning", message=f"packed checkpoint in {folders} unusable: {e}")
                packed = None
        state_path = os.path.join(self.args.state, "full.pt") if self.args.state else None
        state = None
        if state_path and os.path.isfile(state_path):
            state = torch.load(state_path, map_location="cpu", weights_only=False)
        use_state = state is not None and (packed is None or state["meta"]["step"] >= packed[1]["step"])
        meta = state["meta"] if use_state else (packed[1] if packed else None)
        if meta:
            self.embed_seed = int(meta.get("embed_seed", self.embed_seed))
            self.history = meta.get("history", self.history)
            self.last_eval = meta.get("last_eval", {})
        self.build_model()
        if meta is None:
            self.stage = 2 if self.args.stage == "2" else 1
            if self.stage == 2:
                self.activate_specials()
            self.make_optimizer(self.args.warmup)
            return "fresh"
        self.step, self.stage_step = int(meta["step"]), int(meta["stage_step"])
        self.stage = int(meta["stage"])
        if use_state:
            self.model.load_state_dict(state["model"])
            self.ctc_head.load_state_dict(state["ctc_head"])
            self.active[:] = state["active"]
            self.active_gpu.copy_(torch.from_numpy(self.active).to(self.dev))
            self.make_optimizer(int(state["warmup_steps"]))
            try:
                self.opt.load_state_dict(state["opt"])
                self.opt_step = int(state["opt_step"])
                how = "state"
            except (ValueError, KeyError) as e:  # parameter groups changed (e.g. a different stage)
                self.make_optimizer(self.args.rewarm)
                how = f"state-fresh-optimizer ({e})"
        else:
            tensors = packed[0]
            params = dict(self.model.named_parameters())
            with torch.no_grad():
                for n, v in tensors.items():
                    if n.startswith("ctc_head."):
                        getattr(self.ctc_head, n.split(".", 1)[1]).copy_(torch.from_numpy(v))
                    elif n in params:
                        params[n].copy_(torch.from_numpy(v))
                    else:
                        self.log("warning", message=f"checkpoint tensor {n} not in the model")
            if EMBED in tensors:
                rows = ckpt.changed_rows(tensors[EMBED], self.emb_base)
                self.active[rows] = True
                self.active_gpu[torch.from_numpy(rows.astype(np.int64)).to(self.dev)] = True
            if self.stage == 2:
                self.activate_specials()
            self.make_optimizer(self.args.rewarm)
            how = "packed"
        if self.args.stage == "2" and self.stage == 1:
            self.enter_stage2("--stage 2")
        elif self.args.stage == "1" and self.stage == 2:
            self.log("warning", message="--stage 1 ignored: the checkpoint is already in stage 2")
        return how

    def start_ranks(self):
        """Several GPUs: rank 0's weights everywhere (they were loaded from the same files; this makes it certain),
        and each rank its own noise."""
        torch = self.torch
        if self.world == 1:
            return
        if self.stage != 2:
            raise RuntimeError("several GPUs train stage 2 only: run stage 1 on one GPU first")
        with torch.no_grad():
            for p in list(self.model.parameters()) + list(self.ctc_head.parameters()):
                torch.distributed.broadcast(p.data, 0)
        torch.cuda.manual_seed(self.args.seed + 7919 * self.rank)
        left = torch.tensor([self.left()], dtype=torch.float64, device=self.dev)
        torch.distributed.broadcast(left, 0)
        self.shared_left = float(left)

    def average_gradients(self, want_stop: bool):
        """One all-reduce: every gradient (summed, then divided by the world size), the stop wishes and rank 0's
        time left. Returns [ranks that want to stop, rank 0's seconds left] as a GPU tensor, read a step later (so the
        CPU never waits for the GPU): every rank then stops after the same step and anneals by the same clock."""
        torch = self.torch
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        flag = torch.tensor([1.0 if want_stop else 0.0, self.left() if self.rank == 0 else 0.0], device=self.dev)
        flat = torch.cat([g.reshape(-1).float() for g in grads] + [flag])
        torch.distributed.all_reduce(flat)
        offset = 0
        for p, g in zip(self.params, grads):
            k = g.numel()
            part = flat[offset:offset + k].view_as(g).div_(self.world)
            if p.grad is None:
                p.grad = part.to(p.dtype)
            else:
                p.grad.copy_(part)
            offset += k
        return flat[-2:]

    # -- evaluation ----------------------------------------------------------------------------------------------

    def features(self, audios: list[np.ndarray]):
        x = np.stack([pad_window(a) for a in audios])
        return self.mel(self.torch.from_numpy(x).to(self.dev))

    def evaluate(self, ev: EvalData, n: int, final: bool = False) -> dict:
        torch = self.torch
        t = time.time()
        self.model.eval()
        res = {"step": self.step, "stage": self.stage, "final": final}
        examples = []
        try:
            with torch.no_grad():
                for split in ("test", "valid"):
                    items = ev.sets[split][: (n if split == "test" else max(16, n // 4))]
                    if not items:
                        continue
                    ctc_h, gen_h = [], []
                    for i in range(0, len(items), 64):
                        chunk = items[i:i + 64]
                        feats = self.features([c["audio"] for c in chunk])
                        with torch.autocast("cuda", dtype=torch.bfloat16):
                            enc = self.model.model.encoder(feats).last_hidden_state
                            lp = self.ctc_head(enc)
                        ctc_h += [T.ctc_decode(r) for r in lp.argmax(-1).cpu().numpy()]
                        if self.stage == 2:
                            out = self.model.generate(input_features=feats, language="en", task="transcribe",
                                                      return_timestamps=False, max_new_tokens=128, num_beams=1,
                                                      do_sample=False)
                            gen_h += [self.bpe.decode(s) for s in generated(out)]
                    refs_ctc = [T.ctc_text(c["spoken"]) for c in items]
                    res[f"ctc_cer_{split}"] = round(textnorm.cer(refs_ctc, ctc_h)[0], 4)
                    res[f"ctc_wer_{split}"] = round(textnorm.wer(refs_ctc, ctc_h)[0], 4)
                    if gen_h:
                        res[f"wer_{split}"] = round(textnorm.wer([c["text"] for c in items], gen_h, self.spelling)[0], 4)
                    for j in range(min(4, len(items))):
                        examples.append({"split": split, "ref": items[j]["text"], "ctc": ctc_h[j],
                                         **({"hyp": gen_h[j]} if gen_h else {})})
                    res[f"n_{split}"] = len(items)
                if self.stage == 2 and ev.windows:
                    wins = ev.windows[: (len(ev.windows) if final else max(8, len(ev.windows) // 2))]
                    refs, hyps, present, mono, errs = [], [], 0, 0, []
                    for i in range(0, len(wins), 32):
                        chunk = wins[i:i + 32]
                        feats = self.features([w["audio"] for w in chunk])
                        out = self.model.generate(input_features=feats, language="en", task="transcribe",
                                                  return_timestamps=True, max_new_tokens=220, num_beams=1,
                                                  do_sample=False)
                        for w, seq in zip(chunk, generated(out)):
                            has, ok = T.timestamps_ok(seq)
                            present += has
                            mono += has and ok
                            segs = T.parse_timestamped(seq)
                            hyps.append(" ".join(self.bpe.decode(s[2]) for s in segs))
                            refs.append(" ".join(s[2] for s in w["segments"]))
                            if len(segs) == len(w["segments"]):
                                errs += [abs(a[0] - b[0]) for a, b in zip(segs, w["segments"]) if a[0] is not None]
                                errs += [abs(a[1] - b[1]) for a, b in zip(segs, w["segments"]) if a[1] is not None]
                    res["wer_windows"] = round(textnorm.wer(refs, hyps, self.spelling)[0], 4)
                    res["ts_present"] = round(present / len(wins), 3)
                    res["ts_increasing"] = round(mono / len(wins), 3)
                    res["ts_abs_err_s"] = round(float(np.mean(errs)), 3) if errs else None
                    res["ts_segment_count_match"] = len(errs) > 0
                    examples.append({"split": "windows", "ref": refs[0], "hyp": hyps[0]})
        except Exception:
            res["error"] = traceback.format_exc()[-2000:]
        self.model.train()
        res["seconds"] = round(time.time() - t, 2)
        self.log("eval", examples=examples, **res)
        self.last_eval = {k: v for k, v in res.items() if k != "error"}
        return res

    # -- training ------------------------------------------------------------------------------------------------

    def step_once(self, b, want_stop: bool = False):
        torch, F = self.torch, self.torch.nn.functional
        dev = self.dev
        g = {k: (v.to(dev, non_blocking=True) if hasattr(v, "pin_memory") else v) for k, v in b.items()}
        B, W = self.args.batch, T.WINDOW_SAMPLES
        total = b["total"]
        L = g["seg_len"]
        seg = torch.repeat_interleave(torch.arange(L.numel(), device=dev), L, output_size=total)
        first = torch.cumsum(L, 0) - L
        within = torch.arange(total, device=dev) - first[seg]
        audio = torch.zeros(B * W, device=dev)
        audio[g["seg_dst"][seg] + within] = self.pool.audio[g["seg_src"][seg] + within].float()
        audio = audio.view(B, W)
        audio = audio + g["noise"][:, None] * torch.randn_like(audio)
        audio = audio.clamp_(-1.0, 1.0)
        feats = self.mel(audio)

        with torch.autocast("cuda", dtype=torch.bfloat16):
            enc = self.model.model.encoder(feats).last_hidden_state
            lp = self.ctc_head(enc).float().log_softmax(-1).transpose(0, 1)
        ctc = F.ctc_loss(lp, g["ctc_t"], torch.full((B,), lp.shape[0], dtype=torch.long, device=dev), g["ctc_l"],
                         blank=T.CTC_BLANK, reduction="mean", zero_infinity=True)
        if self.stage == 1:
            loss, ce = ctc, None
        else:
            with torch.autocast("cuda", dtype=torch.bfloat16):
                dec = self.model.model.decoder(input_ids=g["dec_in"], encoder_hidden_states=enc,
                                               use_cache=False).last_hidden_state
                h = dec.reshape(-1, dec.shape[-1]).index_select(0, g["lab_pos"])
                logits = self.model.proj_out(h)
            ce = F.cross_entropy(logits.float(), g["lab_val"])
            loss = ce + self.args.ctc_weight * ctc
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.stage == 2:
            w = self.model.model.decoder.embed_tokens.weight
            if w.grad is not None:
                w.grad.masked_fill_(~self.active_gpu[:, None], 0.0)
        stops = self.average_gradients(want_stop) if self.world > 1 else None
        gn = torch.nn.utils.clip_grad_norm_(self.params, self.args.clip)
        lr = self.lr_now()
        for grp in self.opt.param_groups:
            grp["lr"] = lr * grp["lr_mult"]
        self.opt.step()
        self.opt_step += 1
        self.step += 1
        self.stage_step += 1
        self.run_steps += 1
        return loss.detach(), ctc.detach(), (ce.detach() if ce is not None else None), gn.detach(), lr, stops

    def run(self):
        args, torch = self.args, self.torch
        how = self.resume()
        run_info = {"started": self.t0, "start_step": self.step, "start_stage": self.stage, "resumed_from": how,
                    "budget_s": args.budget_s, "corpora": args.corpus, "args": vars(args)}
        self.history.setdefault("runs", []).append(run_info)
        self.log("start", how=how, step=self.step, stage=self.stage, active_rows=int(self.active.sum()),
                 embed_seed=self.embed_seed, left_s=round(self.left(), 1), args=vars(args))
        self.start_ranks()
        if self.rank == 0:
            self.bpe_crosscheck()

        cap = int(args.pool_hours * 3600 * 16000)
        self.pool = Pool(torch, self.dev, cap)
        dirs = list(args.corpus) + ([args.eval_corpus] if args.eval_corpus else [])
        watcher = corpus.ShardWatcher(dirs, ("train",))
        stop = threading.Event()
        status: dict = {}
        lt = threading.Thread(target=loader_thread, args=(self.pool, watcher, self.bpe, stop, status), daemon=True)
        lt.start()
        while self.pool.n < args.min_pool_utts and self.left() > args.reserve_s + 30:
            if status.get("error"):
                raise RuntimeError("corpus loader failed:\n" + status["error"])
            if status.get("all_loaded") and self.pool.n > 0:
                break
            time.sleep(0.5)
        self.log("pool", utts=self.pool.n, hours=round(self.pool.hours(), 3), waited_s=round(time.time() - self.t0, 1))
        if self.pool.n == 0:
            raise RuntimeError("no training audio: is build_corpus.py running and writing train shards?")

        maker = BatchMaker(self.pool, args, seed=args.seed * 1000 + self.step + 7919 * self.rank)
        q: queue.Queue = queue.Queue(maxsize=3)
        pt = threading.Thread(target=prefetch_thread, args=(maker, q, stop, torch, status), daemon=True)
        pt.start()

        ev = None
        last_save = time.time()
        acc = {"loss": [], "ctc": [], "ce": [], "gn": []}
        data_wait = 0.0  # seconds the loop waited for the next batch in this log interval: > 0 means data-bound
        t_log = time.time()
        steps_at_log = self.step
        self.model.train()
        pending_stops = None  # several GPUs: the previous step's count of ranks that want to stop
        try:
            while True:
                want_stop = self.stop_requested or self.left() < args.reserve_s or bool(
                    args.max_steps and self.run_steps >= args.max_steps)
                if want_stop and self.world == 1:
                    break
                if status.get("prefetch_error"):
                    raise RuntimeError("batch prefetch failed:\n" + status["prefetch_error"])
                t_wait = time.time()
                try:
                    b = q.get(timeout=5.0)
                except queue.Empty:
                    continue
                finally:
                    data_wait += time.time() - t_wait
                if self.stage == 2:
                    self.activate(b["tokens"])
                loss, ctc, ce, gn, lr, stops = self.step_once(b, want_stop)
                if pending_stops is not None:
                    n_stop, self.shared_left = pending_stops.tolist()
                    if n_stop > 0:
                        break  # every rank read the same count after the same step: all stop here
                pending_stops = stops
                acc["loss"].append(loss)
                acc["ctc"].append(ctc)
                acc["gn"].append(gn)
                if ce is not None:
                    acc["ce"].append(ce)
                if self.step % args.log_every == 0:
                    vals = {k: float(torch.stack(v).mean()) for k, v in acc.items() if v}
                    dt = time.time() - t_log
                    rate = (self.step - steps_at_log) / max(dt, 1e-9)
                    self.log("train", step=self.step, stage=self.stage, stage_step=self.stage_step, lr=lr,
                             **{k: round(v, 4) for k, v in vals.items()}, steps_per_s=round(rate, 2),
                             data_wait_frac=round(data_wait / max(dt, 1e-9), 3),
                             pool_utts=self.pool.n, pool_h=round(self.pool.hours(), 2),
                             active_rows=int(self.active.sum()), left_s=round(self.left(), 1))
                    acc = {k: [] for k in acc}
                    data_wait = 0.0
                    t_log, steps_at_log = time.time(), self.step
                    if self.stage == 1 and args.stage == "auto":
                        if vals["ctc"] < args.ctc_breakthrough and self.stage_step >= args.stage1_min_steps:
                            self.save()  # the stage-1 checkpoint, in case stage 2 goes wrong
                            last_save = time.time()
                            self.enter_stage2(f"ctc {vals['ctc']:.3f} < {args.ctc_breakthrough}")
                        elif self.stage_step >= args.stage1_max_steps:
                            self.enter_stage2(f"stage1-max-steps {args.stage1_max_steps}")
                    if not math.isfinite(vals["loss"]):
                        self.log("warning", message="non-finite loss")
                if self.step % args.eval_every == 0 and self.rank == 0:
                    ev = ev or self.try_eval_data()
                    if ev:
                        self.evaluate(ev, args.eval_n)
                if time.time() - last_save > args.save_every_s:
                    self.save()
                    last_save = time.time()
        finally:
            stop.set()
        self.log("stopped", step=self.step, run_steps=self.run_steps, left_s=round(self.left(), 1),
                 pool_utts=self.pool.n, pool_h=round(self.pool.hours(), 2), loader=status)
        if self.rank != 0:
            return
        if not self.stop_requested:
            ev = ev or self.try_eval_data(wait_s=min(20.0, max(0.0, self.left() - 25)))
        if ev and self.left() > 15 and not self.stop_requested:
            self.evaluate(ev, args.final_eval_n, final=True)
        run_info.update({"end_step": self.step, "end_stage": self.stage, "run_steps": self.run_steps,
                         "seconds": round(time.time() - self.t0, 1), "pool_h": round(self.pool.hours(), 2)})
        self.save(final=True)
        self.log("done", step=self.step, stage=self.stage, seconds=round(time.time() - self.t0, 1),
                 last_eval=self.last_eval)

    def try_eval_data(self, wait_s: float = 0.0):
        d = self.args.eval_corpus
        if not d:
            return None
        end = time.time() + wait_s
        while not corpus.build_done(d) and time.time() < end:
            time.sleep(1.0)
        if not corpus.build_done(d):
            return None
        try:
            return EvalData(d, self.bpe, self.args.eval_windows)
        except Exception:
            self.log("warning", message="eval data failed", error=traceback.format_exc()[-1500:])
            return None

    def bpe_crosscheck(self):
        """Compare bpe.py with transformers' own tokenizer on a few texts (logged)."""
        texts = [" Hello world.", " It's $3.50 at 4:25 p.m. on March 3rd, 2021.", " Quixotic zephyrs vex jumbled "
                 "wombats?", " The 21st-century résumé, naïvely written: 15% off!", " Don't you think so, Mr. O'Neil?"]
        try:
            tok = self.transformers.WhisperTokenizer(os.path.join(self.args.assets, "vocab.json"),
                                                     os.path.join(self.args.assets, "merges.txt"))
            ok = [tok.encode(t, add_special_tokens=False) == self.bpe.encode(t) for t in texts]
            self.log("tokenizer_check", agree=sum(ok), of=len(ok))
        except Exception:
            self.log("tokenizer_check", error=traceback.format_exc()[-800:])


def main(argv=None):
    args = parse_args(argv)
    Trainer(args).run()
    import torch  # noqa: PLC0415

    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
