"""Whisper's multilingual byte-level BPE in pure Python (encode and decode), from the Hugging Face tokenizer files.

Reads vocab.json and merges.txt (the files models/verbatim-demo-tiny ships and transformers' WhisperTokenizer reads),
so the ids are exactly those transformers produces: the GPT-2 pre-tokenizer regex (needs the `regex` module, a
dependency of transformers), GPT-2's byte-to-unicode map, merges applied lowest rank first. Special and timestamp
tokens are never produced by encode(); targets.py adds them by id. train.py cross-checks this encoder against
transformers' own tokenizer on the GPU machine and logs the agreement.
"""

from __future__ import annotations

import json
import os
import sys

# GPT-2's byte-to-unicode map is shared with the reference harness's tokenizer writer.
_REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference", "python")
if _REFERENCE not in sys.path:
    sys.path.insert(0, _REFERENCE)
from whisper_layouts import _byte_to_unicode as byte_to_unicode  # noqa: E402

try:
    import regex as _re
except ImportError:  # pragma: no cover - transformers always brings `regex`
    _re = None

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
TOKENIZER_FILES = ("vocab.json", "merges.txt")


class BPE:
    def __init__(self, tokenizer_dir: str):
        if _re is None:
            raise ImportError("bpe.py needs the `regex` module (pip/apt: python3-regex; transformers depends on it)")
        with open(os.path.join(tokenizer_dir, "vocab.json"), encoding="utf-8") as f:
            self.vocab: dict[str, int] = json.load(f)
        with open(os.path.join(tokenizer_dir, "merges.txt"), encoding="utf-8") as f:
            lines = [ln.rstrip("\n") for ln in f]
        merges = [tuple(ln.split(" ")) for ln in lines if ln and not ln.startswith("#version")]
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.byte_enc = byte_to_unicode()
        self.byte_dec = {c: b for b, c in self.byte_enc.items()}
        self.pattern = _re.compile(GPT2_PATTERN)
        self._cache: dict[str, list[int]] = {}

    def _bpe(self, word: str) -> list[str]:
        parts = list(word)
        while len(parts) > 1:
            best, best_rank = -1, None
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best < 0:
                break
            a, b = parts[best], parts[best + 1]
            # merge every occurrence of the pair, left to right (as HF's BPE does)
            out, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and parts[i] == a and parts[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(parts[i])
                    i += 1
            parts = out
        return parts

    def encode(self, text: str) -> list[int]:
        """Ids of plain text (no special tokens). Whisper's targets put a space before each segment's text."""
        ids: list[int] = []
        for piece in self.pattern.findall(text):
            hit = self._cache.get(piece)
            if hit is None:
                mapped = "".join(self.byte_enc[b] for b in piece.encode("utf-8"))
                hit = [self.vocab[p] for p in self._bpe(mapped)]
                if len(self._cache) < 200_000:
                    self._cache[piece] = hit
            ids.extend(hit)
        return ids

    def decode(self, ids, skip_special: bool = True, first_special: int = 50257) -> str:
        data = bytearray()
        for i in ids:
            i = int(i)
            if i >= first_special:
                if skip_special:
                    continue
                raise ValueError(f"special token {i} in decode(); pass skip_special=True")
            data.extend(self.byte_dec[c] for c in self.id_to_token[i])
        return data.decode("utf-8", errors="replace")
