#!/usr/bin/env python3
"""Find the demo model's alignment heads: the decoder cross-attention heads whose attention follows time (GPU machine).

    python3 tools/train/alignment_heads.py --model DIR --corpus ALIGN_CORPUS --out heads.json [--n 300] [--top 6]

OpenAI picked, for each released model, the heads whose cross-attention, turned into a token -> time path by dynamic
time warping, best matches the words' true timing. We do the same on the corpus's `align` split (tools/synth: words
synthesized one by one and joined with known gaps, so every word's start and end sample is exact): teacher-force
`<|startoftranscript|><|en|><|transcribe|><|notimestamps|>` + the utterance's text, take every head's cross-attention
over the text tokens and the utterance's frames, normalise it as whisper's find_alignment does (softmax rows,
standardised per frame along the tokens, median filter of width 7 along time), run DTW per head, place each word at
the time of its first token (the frame where the path enters the row that predicts it, as whisper's timing.py does).
The score of a word is its boundary error: 0 when the placed start falls in the silence before the word (anywhere
between the previous word's end and this word's start is a correct boundary: the set's gaps are 40-400 ms, and
our model's attention moves to the next row as soon as the previous word ends), else the distance to that interval.
Heads are ranked by their median boundary error; the selection is the best-scoring average of the top 1..--top heads
(only heads under --max-ms). Also reported: the plain start errors (signed and absolute) of every head. Timing uses
20 ms frames (1500 per 30 s). Writes JSON; pass the selection (X.heads.json) to export_hf.py --alignment-heads-file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SYNTH = os.path.join(HERE, "..", "synth")
for p in (HERE, SYNTH):
    if p not in sys.path:
        sys.path.insert(0, p)

import shards  # noqa: E402  (tools/synth)
import targets as T  # noqa: E402

FRAME_S = 0.02


def dtw_path(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Monotonic alignment of rows (tokens) to columns (frames) minimising the summed cost, moves (1,1), (1,0),
    (0,1) as in whisper's dtw: returns (token index, frame index) along the path from (0, 0) to the end."""
    N, M = cost.shape
    acc = np.full((N + 1, M + 1), np.inf)
    acc[0, 0] = 0.0
    move = np.zeros((N + 1, M + 1), np.int8)
    for i in range(1, N + 1):
        for j in range(1, M + 1):
            c = (acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
            k = int(np.argmin(c))
            acc[i, j] = cost[i - 1, j - 1] + c[k]
            move[i, j] = k
    i, j, ti, fi = N, M, [], []
    while i > 0 and j > 0:
        ti.append(i - 1)
        fi.append(j - 1)
        k = move[i, j]
        if k == 0:
            i, j = i - 1, j - 1
        elif k == 1:
            i -= 1
        else:
            j -= 1
    return np.array(ti[::-1]), np.array(fi[::-1])


def token_start_frames(weights: np.ndarray) -> np.ndarray:
    """First frame of each token on the DTW path through -weights ([tokens, frames])."""
    ti, fi = dtw_path(-weights.astype(np.float64))
    first = np.full(weights.shape[0], -1)
    for t, f in zip(ti, fi):
        if first[t] < 0:
            first[t] = f
    return first


def normalise(att: np.ndarray, width: int = 7) -> np.ndarray:
    """whisper's treatment of one head's [tokens, frames] attention: standardise every frame along the tokens, then a
    median filter of `width` along the frames."""
    mean = att.mean(0, keepdims=True)
    std = att.std(0, keepdims=True) + 1e-9
    x = (att - mean) / std
    pad = width // 2
    xp = np.pad(x, ((0, 0), (pad, pad)), mode="reflect")
    win = np.lib.stride_tricks.sliding_window_view(xp, width, axis=1)
    return np.median(win, axis=-1)


def boundary_errors(start: np.ndarray, previous_end: np.ndarray, true_start: np.ndarray) -> np.ndarray:
    """Distance (s) of each placed word start from the silence [previous_end, true_start] before the word; 0 inside."""
    return np.where(start < previous_end, previous_end - start, np.where(start > true_start, start - true_start, 0.0))


def word_first_tokens(token_texts: list[str]) -> list[int]:
    """Index of the first token of each word (a token starting with a space starts a word)."""
    return [i for i, t in enumerate(token_texts) if i == 0 or t.startswith(" ")]


class TransformersEngine:
    """The model as users load it: transformers on the GPU machine (eager attention, so the weights come out)."""

    def __init__(self, model_dir: str):
        import torch
        import transformers

        self.torch = torch
        self.model = transformers.WhisperForConditionalGeneration.from_pretrained(
            model_dir, attn_implementation="eager", dtype=torch.float32).to("cuda").eval()
        self.proc = transformers.WhisperProcessor.from_pretrained(model_dir)
        self.layers, self.heads = self.model.config.decoder_layers, self.model.config.decoder_attention_heads

    def encode_text(self, text: str) -> tuple[list[int], list[str]]:
        tok = self.proc.tokenizer
        ids = tok.encode(text, add_special_tokens=False)
        return ids, [tok.decode([i]) for i in ids]

    def cross_attentions(self, audio: np.ndarray, tokens: list[int]) -> np.ndarray:
        """[layers, heads, len(tokens), 1500] softmax weights of a teacher-forced pass."""
        torch = self.torch
        feats = self.proc.feature_extractor(audio, sampling_rate=16000, return_tensors="pt")["input_features"]
        with torch.no_grad():
            out = self.model(input_features=feats.to("cuda"), decoder_input_ids=torch.tensor([tokens], device="cuda"),
                             output_attentions=True)
        return np.stack([a[0].float().cpu().numpy() for a in out.cross_attentions])


class LocalEngine:
    """The same computation with whisper_torch.py (plain PyTorch on the CPU), where transformers is not installed."""

    def __init__(self, model_dir: str, mel_filters: str):
        import torch

        import whisper_torch  # noqa: PLC0415
        from bpe import BPE  # noqa: PLC0415

        self.torch = torch
        with np.load(mel_filters) as f:
            self.model = whisper_torch.WhisperTorch(model_dir, f["mel_80"], torch)
        self.bpe = BPE(model_dir)
        self.layers = int(self.model.config["decoder_layers"])
        self.heads = int(self.model.config["decoder_attention_heads"])

    def encode_text(self, text: str) -> tuple[list[int], list[str]]:
        ids = self.bpe.encode(text)
        return ids, [self.bpe.decode([i]) for i in ids]

    def cross_attentions(self, audio: np.ndarray, tokens: list[int]) -> np.ndarray:
        with self.torch.no_grad():
            enc = self.model.encode(self.model.log_mel(audio))
            return self.model.decode(tokens, enc)[1].numpy()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--corpus", required=True, help="a corpus with an `align` split (build_corpus.py --n-align N)")
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--top", type=int, default=6)
    p.add_argument("--max-ms", type=float, default=200.0)
    p.add_argument("--engine", choices=("transformers", "local"), default="transformers",
                   help="transformers (GPU machine) or local: whisper_torch.py on the CPU (needs --mel-filters)")
    p.add_argument("--mel-filters", default=None, help="mel_filters.npz (train assets) for --engine local")
    args = p.parse_args(argv)

    engine = TransformersEngine(args.model) if args.engine == "transformers" else LocalEngine(args.model,
                                                                                             args.mel_filters)
    layers, heads = engine.layers, engine.heads
    reader = shards.AudioReader(args.corpus)
    items = shards.read_manifest(args.corpus, "align")[: args.n]
    prefix = [T.SOT, T.EN, T.TRANSCRIBE, T.NO_TIMESTAMPS]
    per_head = [[[] for _ in range(heads)] for _ in range(layers)]  # signed word-start errors (s)
    per_head_boundary = [[[] for _ in range(heads)] for _ in range(layers)]
    cache = []
    for e in items:
        audio = reader.audio(e).astype(np.float32)
        words = e["words"]
        text = " " + " ".join(w["word"] for w in words)
        ids, pieces = engine.encode_text(text)
        firsts = word_first_tokens(pieces)
        if len(firsts) != len(words):
            continue  # a word the tokenizer splits without a leading space: skip the utterance
        n_frames = int(np.ceil(audio.size / 320))
        truth = np.array([w["start"] / 16000 for w in words])
        previous_end = np.concatenate([[0.0], [w["end"] / 16000 for w in words[:-1]]])
        rows = slice(len(prefix) - 1, len(prefix) - 1 + len(ids))  # the positions whose next token is a text token
        atts = engine.cross_attentions(audio, prefix + ids)[:, :, rows, :n_frames]  # [L, H, t, f]
        norm = np.stack([[normalise(atts[l, h]) for h in range(heads)] for l in range(layers)])
        cache.append((norm, firsts, truth, previous_end))
        for l in range(layers):
            for h in range(heads):
                start = token_start_frames(norm[l, h])[firsts] * FRAME_S
                per_head[l][h].extend((start - truth).tolist())
                per_head_boundary[l][h].extend(boundary_errors(start, previous_end, truth).tolist())
    ms = lambda v: round(float(v) * 1000, 1)  # noqa: E731
    def table(values, fn):
        return {f"{l},{h}": ms(fn(values[l][h])) if values[l][h] else None for l in range(layers) for h in range(heads)}

    scores = table(per_head_boundary, np.median)
    ranked = [k for v, k in sorted((v, k) for k, v in scores.items() if v is not None) if v <= args.max_ms]

    def combined_errors(sel):
        errors = []
        for norm, firsts, truth, previous_end in cache:
            start = token_start_frames(np.mean([norm[l, h] for l, h in sel], axis=0))[firsts] * FRAME_S
            errors.extend(boundary_errors(start, previous_end, truth).tolist())
        return np.array(errors)

    sel, best = [], None
    for k in range(1, min(args.top, len(ranked)) + 1):  # the best average of the top k heads
        heads_k = [tuple(int(x) for x in key.split(",")) for key in ranked[:k]]
        errors = combined_errors(heads_k)
        if best is None or np.median(errors) < np.median(best):
            sel, best = heads_k, errors
    res = {"model": os.path.abspath(args.model), "engine": args.engine, "utterances": len(cache),
           "words": sum(len(c[1]) for c in cache), "median_boundary_ms_per_head": scores,
           "median_abs_start_ms_per_head": table(per_head, lambda v: np.median(np.abs(v))),
           "median_signed_start_ms_per_head": table(per_head, np.median),
           "alignment_heads": [list(x) for x in sel],
           "combined_median_boundary_ms": ms(np.median(best)) if best is not None else None,
           "combined_p90_boundary_ms": ms(np.percentile(best, 90)) if best is not None else None,
           "combined_within_100ms": round(float(np.mean(best < 0.1)), 3) if best is not None else None}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
    with open(os.path.splitext(args.out)[0] + ".heads.json", "w", encoding="utf-8") as f:
        json.dump(res["alignment_heads"], f)
    print(json.dumps({k: v for k, v in res.items() if not k.endswith("per_head")}))
    print("per head (median boundary error ms):", json.dumps(scores))
    print("per head (median signed start error ms):", json.dumps(res["median_signed_start_ms_per_head"]))


if __name__ == "__main__":
    main()
