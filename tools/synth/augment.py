"""Augmentation (numpy only, seeded): noise (white, pink, babble) at an SNR, synthetic reverberation, telephone
band-limiting, gain and clipping.

An augmentation is a list of JSON-able ops (stored in the manifest) applied in order by apply_chain(); every random
draw an op makes comes from its own ``seed``, so a manifest line is enough to redo the audio from the clean render.
The training script can also import this module and augment on the fly (build a clean corpus with
--augment-prob 0, then sample_chain + apply_chain per example).

Ops:
  {"op": "reverb", "rt60": s, "drr_db": dB, "predelay_ms": ms, "seed": n}
      convolution with an exponentially decaying Gaussian-noise impulse response (amplitude 10^(-3 t / rt60), so
      -60 dB at rt60), a unit direct path, the tail scaled to the direct-to-reverberant ratio drr_db and starting
      predelay_ms after it; the output keeps the input's length and active level.
  {"op": "noise", "kind": "white" | "pink" | "babble", "snr_db": dB, "seed": n, ["talkers": k]}
      noise scaled so that active_power(speech) / mean_power(noise) = snr_db (speech level = the 20 ms frames within
      40 dB of the loudest, dsp.active_power). Pink: 1/f power spectrum. Babble: the sum of k utterances of the babble
      pool (other renders of the same split), each at a random circular offset, normalised per talker.
  {"op": "telephone", "mulaw": bool}
      16 kHz -> 8 kHz (windowed-sinc anti-aliasing), optional G.711 mu-law 8-bit quantisation, 300-3400 Hz band-pass
      (255-tap Kaiser FIR), -> 16 kHz.
  {"op": "gain", "peak_dbfs": dB}
      scaled so that the peak is at peak_dbfs (always the last op but clip).
  {"op": "clip", "drive_db": dB}
      scaled so that the peak is drive_db above full scale, then hard-clipped to [-1, 1].
"""

from __future__ import annotations

import math

import numpy as np

import dsp

SR = dsp.SAMPLE_RATE
SNRS_DB = [0, 5, 10, 15, 20, 30]


def white_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n)


def pink_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Gaussian noise shaped to a 1/f power spectrum (amplitude 1/sqrt(f)), DC removed, unit RMS."""
    m = max(2, n)
    spec = rng.standard_normal(m // 2 + 1) + 1j * rng.standard_normal(m // 2 + 1)
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    spec /= np.sqrt(f)
    spec[0] = 0.0
    x = np.fft.irfft(spec, m)[:n]
    return x / (np.sqrt(np.mean(x * x)) + 1e-12)


def babble_noise(rng: np.random.Generator, n: int, pool: list[np.ndarray], talkers: int) -> np.ndarray:
    """Sum of `talkers` utterances from pool (tiled to n samples at random circular offsets, unit active RMS each)."""
    if not pool:
        return pink_noise(rng, n)
    out = np.zeros(n)
    for _ in range(talkers):
        u = np.asarray(pool[int(rng.integers(len(pool)))], np.float64)
        if u.size == 0:
            continue
        reps = -(-n // u.size) + 1
        t = np.tile(u, reps)
        off = int(rng.integers(u.size))
        seg = t[off:off + n]
        p = dsp.active_power(seg)
        out += seg / math.sqrt(p) if p > 0 else seg
    return out


def add_noise(x: np.ndarray, noise: np.ndarray, snr_db: float) -> tuple[np.ndarray, np.ndarray]:
    """x + scaled noise with active_power(x) / mean(noise^2) = 10^(snr_db/10). Returns (mixture, scaled noise)."""
    x = np.asarray(x, np.float64)
    noise = np.asarray(noise, np.float64)[: x.size]
    ps = dsp.active_power(x)
    pn = float(np.mean(noise * noise))
    if ps <= 0 or pn <= 0:
        return x.copy(), np.zeros_like(x)
    scaled = noise * math.sqrt(ps / (pn * 10.0 ** (snr_db / 10.0)))
    return x + scaled, scaled


def reverb_ir(rng: np.random.Generator, rt60: float, drr_db: float, predelay_ms: float, sr: int = SR) -> np.ndarray:
    n_tail = max(1, int(min(1.5 * rt60, 1.2) * sr))
    d = max(1, int(predelay_ms * sr / 1000.0))
    t = np.arange(n_tail) / sr
    tail = rng.standard_normal(n_tail) * 10.0 ** (-3.0 * t / rt60)
    tail *= math.sqrt(10.0 ** (-drr_db / 10.0) / np.sum(tail * tail))
    h = np.zeros(d + n_tail)
    h[0] = 1.0
    h[d:] += tail
    return h


def reverberate(x: np.ndarray, rng: np.random.Generator, rt60: float, drr_db: float, predelay_ms: float) -> np.ndarray:
    x = np.asarray(x, np.float64)
    y = dsp.fft_convolve(x, reverb_ir(rng, rt60, drr_db, predelay_ms))[: x.size]
    px, py = dsp.active_power(x), dsp.active_power(y)
    return y * math.sqrt(px / py) if py > 0 else y


def mulaw_roundtrip(x: np.ndarray, mu: int = 255) -> np.ndarray:
    x = np.clip(x, -1.0, 1.0)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / math.log1p(mu)
    q = np.round((y + 1.0) / 2.0 * mu) / mu * 2.0 - 1.0
    return np.sign(q) * ((1.0 + mu) ** np.abs(q) - 1.0) / mu


_BANDPASS_8K = None


def telephone(x: np.ndarray, mulaw: bool = True, sr: int = SR) -> np.ndarray:
    global _BANDPASS_8K
    if _BANDPASS_8K is None:
        _BANDPASS_8K = dsp.fir_bandpass(300.0, 3400.0, 8000, taps=255)
    x = np.asarray(x, np.float64)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    y = dsp.resample(x, sr, 8000).astype(np.float64)
    if mulaw and peak > 0:
        y = mulaw_roundtrip(y / peak * 0.9) * peak / 0.9
    y = dsp.filter_same(y, _BANDPASS_8K)
    y = dsp.resample(y, 8000, sr).astype(np.float64)
    out = np.zeros(x.size)
    out[: min(x.size, y.size)] = y[: x.size]
    return out


def set_peak(x: np.ndarray, peak_dbfs: float) -> np.ndarray:
    p = float(np.max(np.abs(x))) if x.size else 0.0
    return x * (10.0 ** (peak_dbfs / 20.0) / p) if p > 0 else x


def sample_chain(rng: np.random.Generator, augment_prob: float = 0.7) -> list[dict]:
    """Draw an augmentation for one utterance. With probability 1 - augment_prob it is clean (gain only).
    Otherwise: reverb (p 0.35, RT60 0.15-0.9 s, DRR -3..12 dB), noise (p 0.7; white 30% / pink 35% / babble 35%;
    SNR one of 0, 5, 10, 15, 20, 30 dB), telephone (p 0.15, mu-law half the time), clipping (p 0.08, 1-12 dB of
    drive); at least one of reverb, noise, telephone. Always a gain to a peak of -30..-1 dBFS."""
    ops: list[dict] = []
    seed = lambda: int(rng.integers(2 ** 31))
    if rng.random() < augment_prob:
        while not ops:
            if rng.random() < 0.35:
                ops.append({"op": "reverb", "rt60": round(float(rng.uniform(0.15, 0.9)), 3),
                            "drr_db": round(float(rng.uniform(-3.0, 12.0)), 2),
                            "predelay_ms": round(float(rng.uniform(1.0, 20.0)), 2), "seed": seed()})
            if rng.random() < 0.7:
                kind = ["white", "pink", "babble"][int(rng.choice(3, p=[0.3, 0.35, 0.35]))]
                op = {"op": "noise", "kind": kind, "snr_db": float(SNRS_DB[int(rng.integers(len(SNRS_DB)))]),
                      "seed": seed()}
                if kind == "babble":
                    op["talkers"] = int(rng.integers(3, 8))
                    op["snr_db"] = max(op["snr_db"], 5.0)  # babble at 0 dB is a second speaker, not noise
                ops.append(op)
            if rng.random() < 0.15:
                ops.append({"op": "telephone", "mulaw": bool(rng.random() < 0.5)})
        ops.append({"op": "gain", "peak_dbfs": round(float(rng.uniform(-30.0, -1.0)), 2)})
        if rng.random() < 0.08:
            ops.append({"op": "clip", "drive_db": round(float(rng.uniform(1.0, 12.0)), 2)})
    else:
        ops.append({"op": "gain", "peak_dbfs": round(float(rng.uniform(-30.0, -1.0)), 2)})
    return ops


def apply_chain(x: np.ndarray, ops: list[dict], babble_pool: list[np.ndarray] | None = None) -> np.ndarray:
    """Apply ops to a 16 kHz signal; returns float32 in [-1, 1]."""
    y = np.asarray(x, np.float64)
    for op in ops:
        k = op["op"]
        if k == "reverb":
            y = reverberate(y, np.random.default_rng(op["seed"]), op["rt60"], op["drr_db"], op["predelay_ms"])
        elif k == "noise":
            r = np.random.default_rng(op["seed"])
            if op["kind"] == "white":
                n = white_noise(r, y.size)
            elif op["kind"] == "pink":
                n = pink_noise(r, y.size)
            else:
                n = babble_noise(r, y.size, babble_pool or [], op.get("talkers", 4))
            y, _ = add_noise(y, n, op["snr_db"])
        elif k == "telephone":
            y = telephone(y, op.get("mulaw", False))
        elif k == "gain":
            y = set_peak(y, op["peak_dbfs"])
        elif k == "clip":
            y = np.clip(set_peak(y, op["drive_db"]), -1.0, 1.0)
        else:
            raise ValueError(f"unknown op {k}")
    return np.clip(y, -1.0, 1.0).astype(np.float32)
