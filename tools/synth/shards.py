"""Corpus layout, writer and reader (numpy only; the training script imports this module).

    OUT/corpus.json              build settings, engines, counts and hours per split, shard list with SHA-256
    OUT/manifest.jsonl           every utterance, one JSON object a line, in shard order
    OUT/shards/<split>-NNNNN.f16    raw little-endian float16 PCM, 16 kHz mono, utterances back to back
    OUT/shards/<split>-NNNNN.jsonl  the manifest lines of that shard
    OUT/babble-<class>.npy       the babble pool used for babble noise (float32 utterances, object array)

A manifest line:
    {"id", "split", "text", "spoken" (what the engine was given), "text_kind", "voice": {engine, voice, variant,
     rate, pitch, volume, gap, bucket, heldout}, "augment": [ops], "shard", "offset", "num_samples",
     "sample_rate": 16000, "duration", "engine_sample_rate", "sha1" (of the float16 bytes),
     "words": [{"word", "start", "end"}] (alignment split only; start/end in samples at 16 kHz, end exclusive),
     "gaps": [samples of silence between consecutive words] (alignment split only)}
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

SR = 16000


class ShardWriter:
    def __init__(self, out_dir: str, name: str):
        os.makedirs(os.path.join(out_dir, "shards"), exist_ok=True)
        self.name = name
        self.pcm_path = os.path.join(out_dir, "shards", name + ".f16")
        self.jsonl_path = os.path.join(out_dir, "shards", name + ".jsonl")
        self._pcm = open(self.pcm_path + ".part", "wb")
        self._lines: list[str] = []
        self.offset = 0
        self.seconds = 0.0

    def add(self, entry: dict, audio: np.ndarray) -> dict:
        a = np.clip(np.asarray(audio, np.float32), -1.0, 1.0).astype("<f2")
        b = a.tobytes()
        self._pcm.write(b)
        e = dict(entry)
        e.update({"shard": self.name, "offset": self.offset, "num_samples": int(a.size), "sample_rate": SR,
                  "duration": round(a.size / SR, 4), "sha1": hashlib.sha1(b).hexdigest()})
        self.offset += int(a.size)
        self.seconds += a.size / SR
        self._lines.append(json.dumps(e, sort_keys=True, ensure_ascii=False))
        return e

    def close(self) -> dict:
        self._pcm.close()
        os.replace(self.pcm_path + ".part", self.pcm_path)
        with open(self.jsonl_path + ".part", "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in self._lines))
        os.replace(self.jsonl_path + ".part", self.jsonl_path)
        h = hashlib.sha256()
        with open(self.pcm_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return {"name": self.name, "utterances": len(self._lines), "samples": self.offset,
                "hours": round(self.seconds / 3600.0, 5), "sha256": h.hexdigest()}


def read_manifest(corpus_dir: str, split: str | None = None) -> list[dict]:
    out = []
    with open(os.path.join(corpus_dir, "manifest.jsonl"), encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if split is None or e["split"] == split:
                out.append(e)
    return out


class AudioReader:
    """Random access to utterances through read-only memory maps of the shard files."""

    def __init__(self, corpus_dir: str):
        self.dir = corpus_dir
        self._maps: dict[str, np.ndarray] = {}

    def audio(self, entry: dict) -> np.ndarray:
        name = entry["shard"]
        m = self._maps.get(name)
        if m is None:
            path = os.path.join(self.dir, "shards", name + ".f16")
            m = np.memmap(path, dtype="<f2", mode="r") if os.path.getsize(path) else np.zeros(0, "<f2")
            self._maps[name] = m
        o = entry["offset"]
        return np.asarray(m[o:o + entry["num_samples"]], dtype=np.float32)


def iter_split(corpus_dir: str, split: str, shuffle_seed: int | None = None):
    """Yield (entry, float32 audio) for one split; shuffled with shuffle_seed when given."""
    entries = read_manifest(corpus_dir, split)
    if shuffle_seed is not None:
        order = np.random.default_rng(shuffle_seed).permutation(len(entries))
        entries = [entries[i] for i in order]
    r = AudioReader(corpus_dir)
    for e in entries:
        yield e, r.audio(e)
