#!/usr/bin/env python3
"""Build a long-form test recording: synthesized English utterances laid end to end with pauses, one 16 kHz WAV
plus a reference JSON giving every utterance's text and exact start/end sample (see README.md in this folder).

    python3 tools/longform/build_longform.py [--out tools/longform/.cache] [--minutes 31] [--seed 1] [--workers 2]
        [--engines espeak,flite,festival] [--noise-dbfs -70]

Texts and voice settings are those of tools/synth's *test* split (texts and voice buckets never used in training),
drawn with tools/synth's own planner; the audio is clean (a gain only). Speakers take turns: a test voice setting
speaks 1-6 utterances at one level, then the next one. Between utterances there is a pause of 0.2-3 s
(log-uniform), and every 3-6 minutes of audio a long silence of 10-30 s. A constant white-noise floor (default
-70 dBFS RMS) runs under the whole file, so the silences are quiet rather than digital zero.

Deterministic: every draw comes from numpy generators seeded by (seed, purpose, index); the same arguments and
engines give the same WAV and JSON bytes whatever --workers is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing as mp
import os
import sys
import time

# One BLAS thread per process, as tools/synth does (its resampler is slower with OpenBLAS's thread pool).
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "synth"))

import build_corpus  # noqa: E402
import dsp  # noqa: E402
import engines as engines_mod  # noqa: E402
import textgen  # noqa: E402

SR = dsp.SAMPLE_RATE  # 16000 Hz
FORMAT = "verbatim-longform-1"
DEFAULT_OUT = os.path.join(HERE, ".cache")

PAUSE_S = (0.2, 3.0)  # between two utterances, log-uniform
LONG_SILENCE_S = (10.0, 30.0)  # uniform
LONG_SILENCE_EVERY_S = (180.0, 360.0)  # audio between two long silences, uniform
TURN_UTTERANCES = (1, 6)  # utterances per speaker turn, inclusive
TURN_PEAK_DBFS = (-12.0, -3.0)  # peak level of a turn's utterances
LEAD_IN_S = 1.0
TAIL_S = 1.5
# Trimming of each render's leading/trailing engine silence: tools/synth's alignment-set thresholds.
TRIM_REL_DB = -50.0
TRIM_ABS_FLOOR = 3e-5
BATCH = 32  # utterances planned and rendered per round

# Purposes of the seeded generators (the second key of default_rng([seed, purpose, index])).
RNG_UTTERANCE, RNG_TURN, RNG_LAYOUT, RNG_NOISE = 10, 11, 12, 13


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: tools/longform/.cache, git-ignored)")
    p.add_argument("--minutes", type=float, default=31.0, help="least length of the recording (default 31)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--engines", default=None,
                   help="comma list of espeak,flite,festival (default: every engine found on this machine)")
    p.add_argument("--noise-dbfs", type=float, default=-70.0,
                   help="RMS of the white-noise floor under the whole file in dBFS (default -70; -inf: none)")
    p.add_argument("--name", default=None, help="base name of the files (default longform-s<seed>-<minutes>min)")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def synth_settings() -> argparse.Namespace:
    """tools/synth's default split settings (fractions and salt), so 'test' means the same texts and voices."""
    return build_corpus.parse_args(["--out", os.devnull, "--n-utterances", "0"])


class LongformPlanner:
    """Plans utterance i (text, speaker turn, level, the pause after it) from seeded generators only."""

    def __init__(self, seed: int, planner: build_corpus.Planner):
        self.seed = seed
        self.planner = planner
        self.turns: list[dict] = []  # turn t: voice, level, number of utterances
        self.turn_of: list[int] = []  # utterance i -> its turn

    def _turn(self, t: int) -> dict:
        while len(self.turns) <= t:
            k = len(self.turns)
            rng = np.random.default_rng([self.seed, RNG_TURN, k])
            self.turns.append({"voice": self.planner.voice(rng, "test"),
                               "peak_dbfs": round(float(rng.uniform(*TURN_PEAK_DBFS)), 2),
                               "utterances": int(rng.integers(TURN_UTTERANCES[0], TURN_UTTERANCES[1] + 1))})
            self.turn_of.extend([k] * self.turns[k]["utterances"])
        return self.turns[t]

    def item(self, i: int) -> dict:
        while len(self.turn_of) <= i:
            self._turn(len(self.turns))
        t = self.turn_of[i]
        turn = self._turn(t)
        rng = np.random.default_rng([self.seed, RNG_UTTERANCE, i])
        text = self.planner.text(rng, "test", build_corpus.TEXT_MIX)
        return {"id": f"L{i:05d}", "split": "test", "text": text["text"], "spoken": text["spoken"],
                "text_kind": text["kind"], "voice": turn["voice"], "turn": t,
                "augment": [{"op": "gain", "peak_dbfs": turn["peak_dbfs"]}]}


def render(item: dict):
    """(item, trimmed float32 audio) or (item, reason it was dropped); runs in a worker."""
    entry, y = build_corpus.render_item(item)
    if entry is None:
        return item, y
    a, b = dsp.trim_bounds(y, SR, TRIM_REL_DB, TRIM_ABS_FLOOR)
    if b <= a:
        return item, "empty"
    return item, np.ascontiguousarray(y[a:b])


def build(args) -> dict:
    t0 = time.time()
    log = (lambda *m: None) if args.quiet else (lambda *m: print(*m, file=sys.stderr, flush=True))
    names = [n.strip() for n in args.engines.split(",")] if args.engines else None
    try:
        engines = engines_mod.make_engines(names, check=True)
        src = textgen.TextSources.load()
    except (engines_mod.EngineMissing, textgen.MissingResource, ValueError) as e:
        raise SystemExit(f"build_longform: {e}")
    settings = synth_settings()
    planner = LongformPlanner(args.seed, build_corpus.Planner(settings, src, engines))
    layout_rng = np.random.default_rng([args.seed, RNG_LAYOUT, 0])
    target = int(math.ceil(args.minutes * 60.0 * SR))
    name = args.name or f"longform-s{args.seed}-{args.minutes:g}min"
    log(f"engines: {', '.join(engines)}; building {name} (at least {args.minutes:g} min)")

    pieces: list[tuple[int, np.ndarray]] = []  # (start sample, audio)
    utterances: list[dict] = []
    long_silences: list[dict] = []
    dropped: dict[str, int] = {}
    cursor = int(round(LEAD_IN_S * SR))
    next_long = cursor + int(round(layout_rng.uniform(*LONG_SILENCE_EVERY_S) * SR))
    init = (list(engines), None, None, None, None)
    pool = mp.get_context("fork").Pool(args.workers, build_corpus._init_worker, init) if args.workers > 1 else None
    if pool is None:
        build_corpus._init_worker(*init)
    try:
        i = 0
        while cursor < target:
            batch = [planner.item(k) for k in range(i, i + BATCH)]
            i += BATCH
            rendered = pool.map(render, batch) if pool is not None else [render(it) for it in batch]
            for item, y in rendered:
                if cursor >= target:
                    break
                if isinstance(y, str):
                    key = f"{y}:{item['voice']['engine']}"
                    dropped[key] = dropped.get(key, 0) + 1
                    continue
                start, end = cursor, cursor + y.size
                pieces.append((start, y))
                utterances.append({"index": len(utterances), "id": item["id"], "start": start, "end": end,
                                   "start_s": round(start / SR, 4), "end_s": round(end / SR, 4),
                                   "text": item["text"], "spoken": item["spoken"], "text_kind": item["text_kind"],
                                   "turn": item["turn"], "voice": item["voice"],
                                   "peak_dbfs": item["augment"][0]["peak_dbfs"]})
                # the pause after it: short and natural, or, when its time has come, a long silence
                if end >= next_long:
                    gap = int(round(layout_rng.uniform(*LONG_SILENCE_S) * SR))
                    long_silences.append({"start": end, "end": end + gap, "after_utterance": len(utterances) - 1})
                    next_long = end + gap + int(round(layout_rng.uniform(*LONG_SILENCE_EVERY_S) * SR))
                else:
                    gap = int(round(math.exp(layout_rng.uniform(math.log(PAUSE_S[0]), math.log(PAUSE_S[1]))) * SR))
                cursor = end + gap
            log(f"{len(utterances)} utterances, {cursor / SR / 60:.1f} min [{time.time() - t0:.1f} s]")
    finally:
        if pool is not None:
            pool.close()
            pool.join()

    # the last pause becomes the tail; the noise floor runs under everything
    total = utterances[-1]["end"] + int(round(TAIL_S * SR))
    if long_silences and long_silences[-1]["start"] >= utterances[-1]["end"]:
        long_silences.pop()
    audio = np.zeros(total, np.float64)
    if math.isfinite(args.noise_dbfs):
        audio += np.random.default_rng([args.seed, RNG_NOISE, 0]).standard_normal(total) * 10.0 ** (args.noise_dbfs / 20.0)
    for start, y in pieces:
        audio[start:start + y.size] += y
    wav = dsp.wav_bytes(audio, SR)
    os.makedirs(args.out, exist_ok=True)
    wav_path = os.path.join(args.out, name + ".wav")
    json_path = os.path.join(args.out, name + ".json")
    with open(wav_path + ".part", "wb") as f:
        f.write(wav)
    os.replace(wav_path + ".part", wav_path)
    speech = sum(u["end"] - u["start"] for u in utterances)
    reference = {
        "format": FORMAT,
        "wav": os.path.basename(wav_path),
        "wav_sha256": hashlib.sha256(wav).hexdigest(),
        "sample_rate": SR,
        "num_samples": total,
        "duration_s": round(total / SR, 4),
        "speech_s": round(speech / SR, 4),
        "settings": {"seed": args.seed, "minutes": args.minutes, "noise_dbfs": args.noise_dbfs,
                     "pause_s": PAUSE_S, "long_silence_s": LONG_SILENCE_S,
                     "long_silence_every_s": LONG_SILENCE_EVERY_S, "turn_utterances": TURN_UTTERANCES,
                     "turn_peak_dbfs": TURN_PEAK_DBFS, "lead_in_s": LEAD_IN_S, "tail_s": TAIL_S,
                     "trim": {"rel_db": TRIM_REL_DB, "abs_floor": TRIM_ABS_FLOOR},
                     "synth_split": {"salt": settings.split_salt, "valid_fraction": settings.valid_fraction,
                                     "test_fraction": settings.test_fraction,
                                     "voice_test_fraction": settings.voice_test_fraction,
                                     "variant_test_fraction": settings.variant_test_fraction},
                     "text_mix": build_corpus.TEXT_MIX},
        "engines": [e.describe() for e in engines.values()],
        "dropped": dropped,
        "units": "start/end: samples at 16 kHz from the start of the file, end exclusive; the trimmed render "
                 "(first to last sample whose 5 ms RMS reaches -50 dB of its peak) lies exactly there",
        "long_silences": long_silences,
        "utterances": utterances,
    }
    with open(json_path + ".part", "w", encoding="utf-8") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    os.replace(json_path + ".part", json_path)
    log(f"done: {len(utterances)} utterances, {total / SR / 60:.2f} min ({speech / SR / 60:.2f} min of speech), "
        f"{len(long_silences)} long silences, dropped {sum(dropped.values())}, in {time.time() - t0:.1f} s "
        f"-> {wav_path}")
    return reference


def main(argv=None):
    build(parse_args(argv))


if __name__ == "__main__":
    main()
