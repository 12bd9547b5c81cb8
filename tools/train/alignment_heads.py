#!/usr/bin/env python3
"""Find the demo model's alignment heads: the decoder cross-attention heads whose attention follows time (GPU machine).

    python3 tools/train/alignment_heads.py --model DIR --corpus ALIGN_CORPUS --out heads.json [--n 300] [--top 6]

OpenAI picked, for each released model, the heads whose cross-attention, turned into a token -> time path by dynamic
time warping, best matches the words' true timing. We do the same on the corpus's `align` split (tools/synth: words
synthesized one by one and joined with known gaps, so every word's start and end sample is exact): teacher-force
`<|startoftranscript|><|en|><|transcribe|><|notimestamps|>` + the utterance's text, take every head's cross-attention
over the text tokens and the utterance's frames, normalise it as whisper's find_alignment does (softmax rows,
standardised per frame along the tokens, median filter of width 7 along time), run DTW per head, place each word at
the time of its first token, and score the head by the median |error| of word starts. The selected heads are the best
--top (only those under --max-ms); their average is scored the same way and reported. Timing uses 20 ms frames
(1500 per 30 s). Writes JSON: per-head scores, the selection, the combined score; pass the selection to
export_hf.py --alignment-heads-file.
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


def word_first_tokens(token_texts: list[str]) -> list[int]:
    """Index of the first token of each word (a token starting with a space starts a word)."""
    return [i for i, t in enumerate(token_texts) if i == 0 or t.startswith(" ")]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--corpus", required=True, help="a corpus with an `align` split (build_corpus.py --n-align N)")
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--top", type=int, default=6)
    p.add_argument("--max-ms", type=float, default=200.0)
    args = p.parse_args(argv)

    import torch
    import transformers

    model = transformers.WhisperForConditionalGeneration.from_pretrained(args.model, attn_implementation="eager",
                                                                          dtype=torch.float32)
    model = model.to("cuda").eval()
    proc = transformers.WhisperProcessor.from_pretrained(args.model)
    tok = proc.tokenizer
    layers, heads = model.config.decoder_layers, model.config.decoder_attention_heads
    reader = shards.AudioReader(args.corpus)
    items = shards.read_manifest(args.corpus, "align")[: args.n]
    prefix = [T.SOT, T.EN, T.TRANSCRIBE, T.NO_TIMESTAMPS]
    per_head = [[[] for _ in range(heads)] for _ in range(layers)]
    cache = []
    for e in items:
        audio = reader.audio(e).astype(np.float32)
        words = e["words"]
        text = " " + " ".join(w["word"] for w in words)
        ids = tok.encode(text, add_special_tokens=False)
        pieces = [tok.decode([i]) for i in ids]
        firsts = word_first_tokens(pieces)
        if len(firsts) != len(words):
            continue  # a word the tokenizer splits without a leading space: skip the utterance
        feats = proc.feature_extractor(audio, sampling_rate=16000, return_tensors="pt")["input_features"].to("cuda")
        dec = torch.tensor([prefix + ids], device="cuda")
        with torch.no_grad():
            out = model(input_features=feats, decoder_input_ids=dec, output_attentions=True)
        n_frames = int(np.ceil(audio.size / 320))
        truth = np.array([w["start"] / 16000 for w in words])
        rows = slice(len(prefix) - 1, len(prefix) - 1 + len(ids))  # the positions whose next token is a text token
        atts = np.stack([a[0, :, rows, :n_frames].float().cpu().numpy() for a in out.cross_attentions])  # [L,H,t,f]
        norm = np.stack([[normalise(atts[l, h]) for h in range(heads)] for l in range(layers)])
        cache.append((norm, firsts, truth))
        for l in range(layers):
            for h in range(heads):
                start = token_start_frames(norm[l, h])[firsts] * FRAME_S
                per_head[l][h].extend(np.abs(start - truth).tolist())
    scores = {f"{l},{h}": round(float(np.median(per_head[l][h])) * 1000, 1) if per_head[l][h] else None
              for l in range(layers) for h in range(heads)}
    ranked = sorted((v, k) for k, v in scores.items() if v is not None)
    chosen = [k for v, k in ranked[: args.top] if v <= args.max_ms]
    sel = [tuple(int(x) for x in k.split(",")) for k in chosen]
    combined = []
    for norm, firsts, truth in cache:
        if not sel:
            break
        avg = np.mean([norm[l, h] for l, h in sel], axis=0)
        start = token_start_frames(avg)[firsts] * FRAME_S
        combined.extend(np.abs(start - truth).tolist())
    res = {"model": os.path.abspath(args.model), "utterances": len(cache), "words": len(combined),
           "median_abs_ms_per_head": scores, "alignment_heads": [list(x) for x in sel],
           "combined_median_abs_ms": round(float(np.median(combined)) * 1000, 1) if combined else None,
           "combined_p90_abs_ms": round(float(np.percentile(combined, 90)) * 1000, 1) if combined else None}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
    with open(os.path.splitext(args.out)[0] + ".heads.json", "w", encoding="utf-8") as f:
        json.dump(res["alignment_heads"], f)
    print(json.dumps({k: v for k, v in res.items() if k != "median_abs_ms_per_head"}))
    print("per head (median |word start error| ms):", json.dumps(scores))


if __name__ == "__main__":
    main()
