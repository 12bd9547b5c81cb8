"""Whisper's training format: 30 s windows packed with utterances, and their decoder targets (pure Python + numpy).

A window is 480,000 samples at 16 kHz. pack_window() places whole utterances in it, left to right, with gaps; the
first one starts within the first second (transformers' generate forces the first timestamp to be <= 1.00 s:
max_initial_timestamp_index = 50). build_sequence() writes the decoder sequence OpenAI trained on:

    <|startoftranscript|> <|en|> <|transcribe|>  <|t0|> text0<|t1|><|t2|> text1<|t3|> ...  <|endoftext|>
    <|startoftranscript|> <|en|> <|transcribe|> <|notimestamps|>  text0 text1 ...  <|endoftext|>

Every text is encoded with a leading space (" Hello world."), as Whisper writes it. Timestamps are quantised to 0.02 s
(320 samples), rounding to nearest: index = (samples + 160) // 320, token = 50364 + index (<|0.00|> .. <|30.00|>).
training_pair() turns a sequence into (decoder input, labels): labels are the next tokens, with the positions that
predict <|transcribe|> and <|notimestamps|> (given by the user, never predicted) set to -100. <|en|> is kept: the model
learns language identification (always English here).

Special ids (multilingual vocabulary, 51865 tokens) are those of tools/reference's SpecialTokens(51865); test_targets
checks them against the tokenizer files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
WINDOW_SAMPLES = 30 * SAMPLE_RATE
TIMESTAMP_SAMPLES = 320  # 0.02 s
N_TIMESTAMPS = 1501
MAX_TARGET_POSITIONS = 448
IGNORE = -100

EOT = 50257
SOT = 50258
EN = 50259
TRANSLATE = 50358
TRANSCRIBE = 50359
START_OF_PREV = 50361
NO_CAPTIONS = 50362
NO_TIMESTAMPS = 50363
TIMESTAMP_BEGIN = 50364
N_VOCAB = 51865
SPECIAL_IDS = {"<|endoftext|>": EOT, "<|startoftranscript|>": SOT, "<|en|>": EN, "<|translate|>": TRANSLATE,
               "<|transcribe|>": TRANSCRIBE, "<|startofprev|>": START_OF_PREV, "<|nocaptions|>": NO_CAPTIONS,
               "<|notimestamps|>": NO_TIMESTAMPS, "<|0.00|>": TIMESTAMP_BEGIN, "<|30.00|>": N_VOCAB - 1}


def timestamp_index(samples: int) -> int:
    """0.02 s steps, to nearest (ties up), clipped to [0, 1500]."""
    return min(N_TIMESTAMPS - 1, max(0, (int(samples) + TIMESTAMP_SAMPLES // 2) // TIMESTAMP_SAMPLES))


def timestamp_token(samples: int) -> int:
    return TIMESTAMP_BEGIN + timestamp_index(samples)


def is_timestamp(token: int) -> bool:
    return TIMESTAMP_BEGIN <= token < N_VOCAB


def token_seconds(token: int) -> float:
    return (token - TIMESTAMP_BEGIN) * 0.02


# ----------------------------------------------------------------------------------------------------------------
# window packing


@dataclass
class PackConfig:
    window: int = WINDOW_SAMPLES
    first_max_s: float = 1.0           # first utterance starts in [0, first_max_s]
    gap_s: tuple = (0.15, 1.5)          # silence between utterances
    p_single: float = 0.25             # windows holding one utterance (the rest of the window silent)
    p_partial: float = 0.25            # windows filled only up to a random point in [30%, 100%] of 30 s
    max_utts: int = 24
    max_misses: int = 4                # draws that do not fit before the window is closed
    p_late_start: float = 0.15         # windows whose first utterance starts in [first_max_s, late_start_max_s]
    late_start_max_s: float = 5.0      # (the seek loop often hands over windows that open with silence)
    p_edge_fragment: float = 0.15      # per window edge: a sliver of another utterance, audio only (see below)
    edge_fragment_s: tuple = (0.02, 0.4)
    # windows with one long pause between two utterances: real recordings pause for 10-20 s, and with only short
    # gaps in training the model ended such a window at the pause (sequential long-form lost the speech after it)
    p_long_gap: float = 0.15
    long_gap_s: tuple = (2.0, 20.0)
    long_gap_after_max: int = 3        # the pause follows the 1st, 2nd or 3rd utterance


def pack_window(rng: np.random.Generator, draw, cfg: PackConfig = PackConfig()) -> list[tuple[int, int, int]]:
    """Place utterances in one window. draw() -> (utterance id, length in samples). Returns [(id, start, length)]
    in time order, non-overlapping, inside the window, at least one utterance (a draw longer than the window is
    skipped; after 64 failed draws the list may be empty)."""
    sr = SAMPLE_RATE
    late = rng.random() < cfg.p_late_start
    pos = int(rng.uniform(cfg.first_max_s if late else 0.0, cfg.late_start_max_s if late else cfg.first_max_s) * sr)
    single = rng.random() < cfg.p_single
    end = cfg.window
    if not single and rng.random() < cfg.p_partial:
        end = int(cfg.window * rng.uniform(0.3, 1.0))
    # a long pause after utterance number long_after (no draw at all when p_long_gap is 0: windows as before)
    long_after, long_gap = 0, 0
    if not single and cfg.p_long_gap > 0 and rng.random() < cfg.p_long_gap:
        long_after = int(rng.integers(1, cfg.long_gap_after_max + 1))
        long_gap = int(rng.uniform(*cfg.long_gap_s) * sr)
        end = cfg.window  # room for speech after the pause
    placed: list[tuple[int, int, int]] = []
    misses = 0
    tries = 0
    while len(placed) < cfg.max_utts and tries < 64:
        tries += 1
        uid, n = draw()
        n = int(n)
        limit = cfg.window if not placed else end  # the first utterance may use the whole window
        if n <= 0 or pos + n > limit:
            if placed:
                misses += 1
                if misses >= cfg.max_misses:
                    break
            continue
        placed.append((uid, pos, n))
        if single:
            break
        pos += n + (long_gap if len(placed) == long_after else int(rng.uniform(*cfg.gap_s) * sr))
        if pos >= end:
            break
    return placed


def edge_fragments(rng: np.random.Generator, placed: list[tuple[int, int, int]], draw,
                   cfg: PackConfig = PackConfig()) -> list[tuple[int, int, int, int]]:
    """Slivers of other utterances at the window's edges, audio only: the end of one at sample 0, the start of one at
    the window's end. Long-form transcription cuts windows where the last timestamp fell, so a window often opens with
    the last few milliseconds of a word it has already transcribed (or closes on the first of one the next window
    will); without such windows in training the model answered one of them with <|0.00|><|endoftext|> and lost the
    whole window. Their text is not in the target. Returns [(utterance id, offset in it, start in the window,
    length)]; each sliver keeps 100 ms clear of the placed utterances."""
    sr, out = SAMPLE_RATE, []
    first = placed[0][1] if placed else cfg.window
    last_end = placed[-1][1] + placed[-1][2] if placed else 0
    for at_start in (True, False):
        if rng.random() >= cfg.p_edge_fragment:
            continue
        uid, n = draw()
        length = min(int(rng.uniform(*cfg.edge_fragment_s) * sr), int(n))
        if length <= 0:
            continue
        if at_start and length + sr // 10 <= first:
            out.append((uid, int(n) - length, 0, length))  # the tail of the utterance
        elif not at_start and last_end + sr // 10 <= cfg.window - length:
            out.append((uid, 0, cfg.window - length, length))  # the head of the utterance
    return out


# ----------------------------------------------------------------------------------------------------------------
# decoder sequences


def prefix(timestamps: bool) -> list[int]:
    return [SOT, EN, TRANSCRIBE] + ([] if timestamps else [NO_TIMESTAMPS])


def build_sequence(segments, timestamps: bool) -> list[int]:
    """segments: [(start sample, end sample, text token ids)] in time order, inside the window.
    The full sequence from <|startoftranscript|> to <|endoftext|>."""
    seq = prefix(timestamps)
    last_end = -1
    for start, end, ids in segments:
        if timestamps:
            a = timestamp_index(start)
            b = timestamp_index(end)
            a = max(a, last_end)            # never decreasing
            b = max(b, a + 1)               # a segment lasts at least one step
            b = min(b, N_TIMESTAMPS - 1)
            a = min(a, b)
            seq.append(TIMESTAMP_BEGIN + a)
            seq.extend(int(t) for t in ids)
            seq.append(TIMESTAMP_BEGIN + b)
            last_end = b
        else:
            seq.extend(int(t) for t in ids)
    seq.append(EOT)
    return seq


def fit_segments(segments, timestamps: bool, max_positions: int = MAX_TARGET_POSITIONS) -> int:
    """How many leading segments fit: the decoder input (sequence minus its last token) must have at most
    max_positions tokens."""
    n = len(prefix(timestamps))  # prefix + <|endoftext|>, minus the last token of the sequence
    for k, (_, _, ids) in enumerate(segments):
        n += len(ids) + (2 if timestamps else 0)
        if n > max_positions:
            return k
    return len(segments)


NO_SPEECH_SEQUENCE = [SOT, NO_CAPTIONS, EOT]  # a window without speech: no-speech instead of the language


MAX_PROMPT_TOKENS = MAX_TARGET_POSITIONS // 2 - 1  # whisper's prompt: the last 223 tokens of the previous text


def prompt_text_count(rng: np.random.Generator) -> int:
    """How many earlier utterances a training prompt holds. Half the prompts hold 1-3 (a few sentences); half 4-15,
    as many as whisper's condition_on_previous_text passes from a whole earlier window (up to its 223 tokens). Short
    prompts alone left the transcription at decoder positions 100-250 untrained: from step 35,605 to 42,255, every
    window after the first of a long recording in sequential mode (the previous window's ~100-token text as its
    prompt) skipped or merged utterances, and lost 186-208 of 387; without the prompt the same windows were right."""
    return int(rng.integers(1, 4)) if rng.random() < 0.5 else int(rng.integers(4, 16))


def build_prompt(rng: np.random.Generator, texts: list[list[int]], timestamps: bool, max_len: int) -> list[int]:
    """<|startofprev|> and the "previous text" a long-form transcription conditions on: the given texts (token ids)
    in order, as plain text or, with timestamps, as the previous window's timestamped segments (random increasing
    times, as whisper's condition_on_previous_text passes them). Cut from the left to at most max_len tokens in all
    (the most recent text is kept, as whisper keeps the last n_text_ctx / 2 - 1). [] when max_len < 2."""
    if max_len < 2:
        return []
    body: list[int] = []
    t = int(rng.integers(0, 50))
    for ids in texts:
        if timestamps:
            a = t
            b = min(N_TIMESTAMPS - 1, a + 1 + int(rng.integers(20, 300)))
            body += [TIMESTAMP_BEGIN + a, *ids, TIMESTAMP_BEGIN + b]
            t = min(N_TIMESTAMPS - 1, b + int(rng.integers(0, 50)))
        else:
            body += list(ids)
    return [START_OF_PREV] + body[-(max_len - 1):]


def training_pair(seq: list[int], prompt_len: int = 0) -> tuple[list[int], list[int]]:
    """(decoder input ids, labels) of prompt + sequence (seq starts after the prompt's prompt_len tokens): labels[i]
    is the token after input[i]; the prompt's tokens and <|startoftranscript|> (given, never predicted) are
    ignored (-100), and so are <|transcribe|>, <|notimestamps|> and <|translate|>."""
    inp = seq[:-1]
    labels = [t if t not in (TRANSCRIBE, NO_TIMESTAMPS, TRANSLATE) else IGNORE for t in seq[1:]]
    for i in range(min(prompt_len, len(labels))):
        labels[i] = IGNORE
    return inp, labels


def parse_timestamped(tokens) -> list[tuple[float | None, float | None, list[int]]]:
    """Split a generated token sequence (specials other than timestamps ignored) into segments
    [(start s, end s, text ids)]; text without an opening or closing timestamp gets None there."""
    segs = []
    start, text = None, []
    for t in tokens:
        t = int(t)
        if is_timestamp(t):
            if start is None and not text:
                start = token_seconds(t)
            else:
                segs.append((start, token_seconds(t), text))
                start, text = None, []
        elif t < EOT:
            text.append(t)
    if text or start is not None:
        segs.append((start, None, text))
    return segs


def timestamps_ok(tokens) -> tuple[bool, bool]:
    """(has timestamps, timestamps never decrease) for a generated sequence."""
    ts = [int(t) for t in tokens if is_timestamp(int(t))]
    return bool(ts), all(b >= a for a, b in zip(ts, ts[1:]))


# ----------------------------------------------------------------------------------------------------------------
# CTC characters (stage 1 and the auxiliary loss)

CTC_CHARS = " 'abcdefghijklmnopqrstuvwxyz0123456789"  # index + 1; 0 is the blank
CTC_BLANK = 0
N_CTC = len(CTC_CHARS) + 1
_CTC_INDEX = {c: i + 1 for i, c in enumerate(CTC_CHARS)}


def ctc_text(spoken: str) -> str:
    """Lower case, letters/digits/apostrophes kept, every other run of characters becomes one space."""
    s = spoken.lower().replace("\u2019", "'")
    s = re.sub(r"[^a-z0-9']+", " ", s)
    return " ".join(s.split())


def ctc_ids(spoken: str) -> list[int]:
    return [_CTC_INDEX[c] for c in ctc_text(spoken)]


def ctc_decode(ids) -> str:
    """Greedy CTC: collapse repeats, drop blanks."""
    out, prev = [], -1
    for i in ids:
        i = int(i)
        if i != prev and i != CTC_BLANK:
            out.append(CTC_CHARS[i - 1])
        prev = i
    return " ".join("".join(out).split())
