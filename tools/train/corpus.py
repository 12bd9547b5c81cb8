"""Reading the synthetic corpus while tools/synth/build_corpus.py is still writing it (numpy only).

build_corpus.py writes shards/<split>-NNNNN.f16 (float16 PCM, 16 kHz) and then shards/<split>-NNNNN.jsonl (its
manifest lines), each by an atomic rename, and corpus.json + manifest.jsonl when the whole build is done
(tools/synth/shards.py). A shard is complete once its .jsonl exists, so training can start on the first shards while
the rest are rendered.

Each utterance is trimmed to its speech (10 ms frames within TRIM_REL_DB of the loudest and above TRIM_ABS_DB,
plus TRIM_MARGIN_S either side), so the timestamps of a packed window mark where speech starts and ends.
"""

from __future__ import annotations

import glob
import json
import os

import numpy as np

from targets import ctc_ids

SR = 16000
TRIM_FRAME = 160
TRIM_REL_DB = -40.0
TRIM_ABS_DB = -70.0
TRIM_MARGIN_S = 0.04


def trim_bounds(x: np.ndarray, sr: int = SR) -> tuple[int, int]:
    """[a, b) of the speech in x (the whole of x if nothing stands out)."""
    n = x.size // TRIM_FRAME
    if n == 0:
        return 0, x.size
    fr = np.asarray(x[: n * TRIM_FRAME], np.float32).reshape(n, TRIM_FRAME)
    e = np.einsum("ij,ij->i", fr, fr) / TRIM_FRAME + 1e-20
    db = 10.0 * np.log10(e)
    thr = max(db.max() + TRIM_REL_DB, TRIM_ABS_DB)
    on = np.nonzero(db > thr)[0]
    if on.size == 0:
        return 0, x.size
    m = int(TRIM_MARGIN_S * sr)
    a = max(0, int(on[0]) * TRIM_FRAME - m)
    b = min(x.size, (int(on[-1]) + 1) * TRIM_FRAME + m)
    return a, b


def completed_shards(corpus_dir: str, split: str) -> list[str]:
    """Names (without extension) of the complete shards of one split, sorted."""
    out = []
    for p in sorted(glob.glob(os.path.join(corpus_dir, "shards", f"{split}-*.jsonl"))):
        name = os.path.basename(p)[: -len(".jsonl")]
        if os.path.isfile(os.path.join(corpus_dir, "shards", name + ".f16")):
            out.append(name)
    return out


def build_done(corpus_dir: str) -> bool:
    return os.path.isfile(os.path.join(corpus_dir, "manifest.jsonl"))


def read_shard(corpus_dir: str, name: str) -> tuple[list[dict], np.ndarray]:
    with open(os.path.join(corpus_dir, "shards", name + ".jsonl"), encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    audio = np.fromfile(os.path.join(corpus_dir, "shards", name + ".f16"), dtype="<f2")
    return entries, audio


def prepare_shard(entries: list[dict], audio: np.ndarray, encode, trim: bool = True):
    """Trimmed utterances of one shard, concatenated: (float16 audio, records). A record holds the utterance's offset
    and length in that audio, its text, spoken form, text token ids (encode(" " + text)) and CTC ids."""
    pieces, recs, pos = [], [], 0
    for e in entries:
        o, n = int(e["offset"]), int(e["num_samples"])
        x = audio[o:o + n]
        a, b = trim_bounds(x) if trim else (0, n)
        if b - a < TRIM_FRAME:
            continue
        pieces.append(x[a:b])
        text = e["text"].strip()
        recs.append({"id": e["id"], "offset": pos, "n": b - a, "text": text, "spoken": e.get("spoken", text),
                     "text_ids": encode(" " + text), "ctc": ctc_ids(e.get("spoken", text)),
                     "voice": e.get("voice", {}).get("bucket", ""), "kind": e.get("text_kind", "")})
        pos += b - a
    cat = np.concatenate(pieces).astype(np.float16) if pieces else np.zeros(0, np.float16)
    return cat, recs


class ShardWatcher:
    """Hands out each complete shard of the given splits of the given corpora once."""

    def __init__(self, corpus_dirs: list[str], splits=("train",)):
        self.dirs = list(corpus_dirs)
        self.splits = splits
        self.seen: set[tuple[str, str]] = set()

    def poll(self) -> list[tuple[str, str]]:
        new = []
        for d in self.dirs:
            for s in self.splits:
                for name in completed_shards(d, s):
                    if (d, name) not in self.seen:
                        self.seen.add((d, name))
                        new.append((d, name))
        return new

    def all_done(self) -> bool:
        return all(build_done(d) for d in self.dirs) and not self.poll_peek()

    def poll_peek(self) -> bool:
        return any((d, name) not in self.seen for d in self.dirs for s in self.splits
                   for name in completed_shards(d, s))
