"""CTC forced alignment (numpy only): the most likely path of a known transcript through a CTC model's frames.

The transcript is a sequence of vocabulary ids without blanks. The path runs through its blank-extended form
[blank, y1, blank, y2, ..., yL, blank]: at each frame it stays, steps to the next state, or skips a blank between two
different tokens (Viterbi over the CTC topology). A token's frames are those where the path sits in its state; a
word's span runs from its first token's first frame to its last token's last frame.

Frame i of the aligner covers 16 kHz samples [320 i, 320 i + 400): its time is taken as i * 0.02 s, and a span of
frames [a, b] is [a * 0.02, (b + 1) * 0.02) seconds.
"""

from __future__ import annotations

import numpy as np

FRAME_S = 0.02
NEG = -1e30


def viterbi(log_probs: np.ndarray, tokens: list[int], blank: int = 0) -> np.ndarray:
    """The state (index into the blank-extended sequence) at every frame of the best path.

    log_probs: [T, V] log-probabilities. Raises ValueError when the transcript cannot fit in T frames.
    """
    lp = np.asarray(log_probs, np.float64)
    T = lp.shape[0]
    ext = [blank]
    for t in tokens:
        ext += [int(t), blank]
    ext = np.array(ext, np.int64)
    S = ext.size
    repeats = sum(1 for a, b in zip(tokens, tokens[1:]) if a == b)
    if T < len(tokens) + repeats:
        raise ValueError(f"{len(tokens)} tokens ({repeats} repeated) need more than {T} frames")
    # a skip s-2 -> s is allowed into a token state whose token differs from the token two states back
    can_skip = np.zeros(S, bool)
    can_skip[3::2] = ext[3::2] != ext[1:-2:2]
    emit = lp[:, ext]  # [T, S]
    score = np.full(S, NEG)
    score[0] = emit[0, 0]
    if S > 1:
        score[1] = emit[0, 1]
    back = np.zeros((T, S), np.int8)  # 0 stay, 1 from s-1, 2 from s-2
    for t in range(1, T):
        stay = score
        step = np.concatenate(([NEG], score[:-1]))
        skip = np.where(can_skip, np.concatenate(([NEG, NEG], score[:-2])), NEG)
        best = np.stack([stay, step, skip])
        choice = np.argmax(best, axis=0)
        score = best[choice, np.arange(S)] + emit[t]
        back[t] = choice
    end = S - 1 if S == 1 or score[S - 1] >= score[S - 2] else S - 2
    if score[end] <= NEG / 2:
        raise ValueError("no path: the transcript does not fit the frames")
    states = np.empty(T, np.int64)
    s = end
    for t in range(T - 1, -1, -1):
        states[t] = s
        s -= int(back[t, s])
    if s != 0 and states[0] not in (0, 1):
        raise AssertionError("backtrack did not reach the start")
    return states


def token_spans(states: np.ndarray, n_tokens: int) -> list[tuple[int, int]]:
    """[(first frame, last frame)] of each token (state 2k + 1) on the path."""
    spans = []
    for k in range(n_tokens):
        frames = np.nonzero(states == 2 * k + 1)[0]
        spans.append((int(frames[0]), int(frames[-1])))
    return spans


def align_words(log_probs: np.ndarray, words: list[list[int]], delimiter: int | None, blank: int = 0):
    """Word spans in seconds: [(start_s, end_s)] for each word (a list of token ids), aligned as one transcript
    with `delimiter` between words (None: no delimiter token)."""
    tokens, owner = [], []
    for i, w in enumerate(words):
        if i and delimiter is not None:
            tokens.append(delimiter)
            owner.append(-1)
        tokens += list(w)
        owner += [i] * len(w)
    spans = token_spans(viterbi(log_probs, tokens, blank), len(tokens))
    out = []
    for i in range(len(words)):
        mine = [sp for sp, o in zip(spans, owner) if o == i]
        out.append((mine[0][0] * FRAME_S, (mine[-1][1] + 1) * FRAME_S))
    return out
