"""A simple English text normaliser and word/character error rates (pure Python), for validation during training.

It is a small subset of Whisper's EnglishTextNormalizer, applied identically to reference and hypothesis:
lower case; Unicode compatibility forms, accents removed; bracketed and parenthesised text removed; "a.m."/"p.m."
-> "am"/"pm"; thousands separators dropped ("1,000" -> "1000"); "." and ":" kept only between digits ("3.50",
"4:25"); apostrophes dropped ("don't" -> "dont"); "$" and "%" kept; every other symbol becomes a space; British
spellings mapped to American with Whisper's english.json when given. Numbers are not rewritten (our transcripts and
the model both write digits the same way). The model card's figures use Whisper's full normaliser (deliverable 5).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata

_BRACKETS = re.compile(r"[<\[][^>\]]*[>\]]|\([^)]*\)")
_AMPM = re.compile(r"\b([ap])\.\s?m\.?(?=\s|$|[^a-z])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DOT = re.compile(r"(?<=\d)\.(?=\d)")
_COLON = re.compile(r"(?<=\d):(?=\d)")
_OTHER = re.compile(r"[^a-z0-9$%\x01\x02 ]+")


def load_spelling(path: str | None) -> dict[str, str]:
    if path and os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return {}


def normalize(text: str, spelling: dict[str, str] | None = None) -> str:
    s = unicodedata.normalize("NFKD", text)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.lower().replace("\u2019", "'").replace("\u2018", "'")
    s = _BRACKETS.sub(" ", s)
    s = _AMPM.sub(r"\1m", s)
    s = _THOUSANDS.sub("", s)
    s = _DOT.sub("\x01", s)
    s = _COLON.sub("\x02", s)
    s = s.replace("'", "")
    s = _OTHER.sub(" ", s)
    s = s.replace("\x01", ".").replace("\x02", ":")
    words = s.split()
    if spelling:
        words = [spelling.get(w, w) for w in words]
    return " ".join(words)


def edit_distance(ref: list, hyp: list) -> int:
    """Levenshtein distance (substitutions, insertions, deletions all cost 1)."""
    if not ref:
        return len(hyp)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def wer(refs: list[str], hyps: list[str], spelling: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Corpus word error rate after normalisation: (rate, errors, reference words)."""
    errors = words = 0
    for r, h in zip(refs, hyps, strict=True):
        rw = normalize(r, spelling).split()
        hw = normalize(h, spelling).split()
        errors += edit_distance(rw, hw)
        words += len(rw)
    return (errors / words if words else 0.0), errors, words


def cer(refs: list[str], hyps: list[str]) -> tuple[float, int, int]:
    """Character error rate over strings as given (spaces count)."""
    errors = chars = 0
    for r, h in zip(refs, hyps, strict=True):
        errors += edit_distance(list(r), list(h))
        chars += len(r)
    return (errors / chars if chars else 0.0), errors, chars
