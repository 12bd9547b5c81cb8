"""The alignment set: utterances made of individually synthesized words joined with known gaps.

Each word of the text is rendered alone (same voice setting), resampled to 16 kHz and trimmed to the part whose
5 ms moving RMS reaches -50 dB relative to that word's loudest point (absolute floor 3e-5, about -90 dBFS;
dsp.trim_bounds). The trimmed words are laid end to end on digital silence: a lead-in, a gap between each pair of
words and a tail, all drawn in the plan. A word's start is the sample where its trimmed render begins, its end the
sample after the last one: exact by construction, with no estimate involved. Note the threshold: a word's own very
quiet onset or release (below -50 dB of its peak) is outside its region, and words are spoken in citation form
(no coarticulation across words).
"""

from __future__ import annotations

import numpy as np

import dsp

TRIM_REL_DB = -50.0
TRIM_ABS_FLOOR = 3e-5
GAP_MS = (40.0, 400.0)
EDGE_MS = (150.0, 450.0)


def draw_layout(rng: np.random.Generator, n_words: int) -> dict:
    """Lead-in, gaps and tail in milliseconds (rounded to whole samples later)."""
    return {"lead_ms": round(float(rng.uniform(*EDGE_MS)), 1),
            "gaps_ms": [round(float(rng.uniform(*GAP_MS)), 1) for _ in range(max(0, n_words - 1))],
            "tail_ms": round(float(rng.uniform(*EDGE_MS)), 1)}


def join_words(tokens: list[str], renders: list[np.ndarray], layout: dict, sr: int = dsp.SAMPLE_RATE):
    """(audio, words, gaps) or None when a word has no sample above the threshold.

    words: [{"word", "start", "end"}] in samples (end exclusive); gaps: silent samples between consecutive words.
    """
    pieces = []
    for r in renders:
        a, b = dsp.trim_bounds(r, sr, TRIM_REL_DB, TRIM_ABS_FLOOR)
        if b - a < int(0.02 * sr):
            return None
        pieces.append(np.asarray(r[a:b], np.float32))
    ms = lambda v: int(round(v * sr / 1000.0))
    lead, tail = ms(layout["lead_ms"]), ms(layout["tail_ms"])
    gaps = [ms(g) for g in layout["gaps_ms"]]
    total = lead + sum(p.size for p in pieces) + sum(gaps) + tail
    out = np.zeros(total, np.float32)
    pos = lead
    words = []
    for i, (tok, p) in enumerate(zip(tokens, pieces)):
        out[pos:pos + p.size] = p
        words.append({"word": tok, "start": pos, "end": pos + p.size})
        pos += p.size
        if i < len(gaps):
            pos += gaps[i]
    return out, words, gaps
