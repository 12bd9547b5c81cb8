"""Signal processing helpers for the synthetic corpus. numpy only (runs on the GPU machine as is).

- resample(): windowed-sinc polyphase resampler for any integer rates (22050 -> 16000, 8000 -> 16000, 32000 -> 16000).
- parse_wav(): RIFF/WAVE reader that tolerates the placeholder sizes espeak-ng --stdout writes.
- envelope / active_power / trim_silence: energy measures used by augmentation (SNR) and the alignment set.
- fft_convolve, fir_lowpass, fir_bandpass.
"""

from __future__ import annotations

import functools
import math
import struct

import numpy as np

SAMPLE_RATE = 16000


# ----------------------------------------------------------------------------------------------------------------
# resampling


@functools.lru_cache(maxsize=32)
def _polyphase_table(up: int, down: int, zeros: int, rolloff: float, beta: float) -> tuple[np.ndarray, int]:
    """Filter bank for output phases 0..up-1.

    Output sample n sits at input position p = n * down / up. Its value is sum_j x[j] * h(p - j) with
    h(t) = 2 fc sinc(2 fc t) * kaiser(t / half), fc the cut-off in cycles per input sample
    (0.5 * min(1, up/down) * rolloff), half = zeros / (2 fc) input samples (``zeros`` zero crossings each side).
    Row phase = (n * down) mod up holds the taps for j = floor(p) - K + 1 + k, k = 0..2K-1. Each row is scaled
    to sum to 1 so that DC passes with gain exactly 1.
    """
    fc = 0.5 * min(1.0, up / down) * rolloff
    half = zeros / (2.0 * fc)
    k_half = int(math.ceil(half))
    frac = np.arange(up, dtype=np.float64)[:, None] / up
    k = np.arange(2 * k_half, dtype=np.float64)[None, :]
    t = frac + (k_half - 1) - k
    h = 2.0 * fc * np.sinc(2.0 * fc * t)
    inside = np.abs(t) < half
    w = np.zeros_like(t)
    w[inside] = np.i0(beta * np.sqrt(1.0 - (t[inside] / half) ** 2)) / np.i0(beta)
    h = h * w
    h /= h.sum(axis=1, keepdims=True)
    return h.astype(np.float64), k_half


@functools.lru_cache(maxsize=32)
def _block_matrix(up: int, down: int, zeros: int, rolloff: float, beta: float) -> tuple[np.ndarray, int]:
    """The filter bank laid out as one matrix W (up x width): a block of `up` consecutive outputs starting at
    output b*up depends only on the inputs from b*down on, so outputs = frames(x) @ W.T with frames of `width`
    inputs hopped by `down`. Entry W[r, (r*down)//up + 1 + k] = table[(r*down) % up, k]."""
    table, k_half = _polyphase_table(up, down, zeros, rolloff, beta)
    r = np.arange(up)
    base = (r * down) // up
    width = int(base[-1]) + 1 + 2 * k_half
    w = np.zeros((up, width), np.float64)
    cols = base[:, None] + 1 + np.arange(2 * k_half)[None, :]
    w[r[:, None], cols] = table[(r * down) % up]
    return w, k_half


def resample(x: np.ndarray, sr_in: int, sr_out: int, *, zeros: int = 16, rolloff: float = 0.945,
             beta: float = 8.6) -> np.ndarray:
    """Resample a mono signal from sr_in to sr_out (integers) with a Kaiser-windowed sinc, returns float32.

    Output length is ceil(len(x) * sr_out / sr_in); output sample n is the band-limited value at input time
    n / sr_out (no delay). Anti-aliasing cut-off at rolloff * min(sr_in, sr_out) / 2; Kaiser beta 8.6 gives about
    80 dB stop-band rejection; zeros=16 zero crossings of the sinc on each side.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    sr_in, sr_out = int(sr_in), int(sr_out)
    if sr_in == sr_out or x.size == 0:
        return x.astype(np.float32)
    g = math.gcd(sr_in, sr_out)
    up, down = sr_out // g, sr_in // g
    w, k_half = _block_matrix(up, down, zeros, rolloff, beta)
    n_out = -(-x.size * up // down)
    blocks = -(-n_out // up)
    width = w.shape[1]
    need = (blocks - 1) * down + width
    xp = np.zeros(max(need, k_half + x.size))
    xp[k_half:k_half + x.size] = x
    frames = np.lib.stride_tricks.as_strided(xp, shape=(blocks, width), strides=(down * xp.strides[0], xp.strides[0]),
                                             writeable=False)
    y = (frames @ w.T).reshape(-1)[:n_out]
    return y.astype(np.float32)


# ----------------------------------------------------------------------------------------------------------------
# WAV parsing


class WavError(ValueError):
    pass


def parse_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Decode a RIFF/WAVE byte string to (mono float32 in [-1, 1], sample rate).

    Tolerates streamed WAVs whose RIFF and data sizes are placeholders (espeak-ng --stdout writes 0x7ffff024 /
    0x7ffff000, other tools 0 or 0xffffffff): the data chunk is read to the end of the bytes when its declared size
    does not fit. Supports PCM 8/16/24/32-bit, IEEE float 32/64 and WAVE_FORMAT_EXTENSIBLE; channels are averaged.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError("not a RIFF/WAVE stream")
    pos = 12
    fmt = None
    pcm = None
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        size = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            if size < 16 or body + 16 > len(data):
                raise WavError("truncated fmt chunk")
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[body:body + 16])
            if tag == 0xFFFE and size >= 40:
                tag = struct.unpack("<H", data[body + 24:body + 26])[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            end = body + size
            if size in (0, 0xFFFFFFFF) or end > len(data):
                end = len(data)  # placeholder or streamed size: read to the end
            pcm = data[body:end]
            break
        pos = body + size + (size & 1)
    if fmt is None:
        raise WavError("no fmt chunk")
    if pcm is None:
        raise WavError("no data chunk")
    tag, channels, rate, bits = fmt
    if channels < 1:
        raise WavError("bad channel count")
    width = bits // 8
    frame = width * channels
    pcm = pcm[: len(pcm) - len(pcm) % frame] if frame else b""
    if tag == 1:
        if bits == 8:
            x = (np.frombuffer(pcm, np.uint8).astype(np.float32) - 128.0) / 128.0
        elif bits == 16:
            x = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0
        elif bits == 24:
            b = np.frombuffer(pcm, np.uint8).reshape(-1, 3).astype(np.int32)
            v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
            v = np.where(v >= 1 << 23, v - (1 << 24), v)
            x = v.astype(np.float32) / float(1 << 23)
        elif bits == 32:
            x = (np.frombuffer(pcm, "<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
        else:
            raise WavError(f"unsupported PCM width {bits}")
    elif tag == 3:
        if bits == 32:
            x = np.frombuffer(pcm, "<f4").astype(np.float32)
        elif bits == 64:
            x = np.frombuffer(pcm, "<f8").astype(np.float32)
        else:
            raise WavError(f"unsupported float width {bits}")
    else:
        raise WavError(f"unsupported WAV format tag {tag}")
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)


def wav_bytes(x: np.ndarray, sr: int, placeholder_sizes: bool = False) -> bytes:
    """16-bit PCM WAV of x (clipped to [-1, 1]); placeholder_sizes writes espeak-ng's streamed header."""
    pcm = (np.clip(np.asarray(x, np.float64), -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
    riff = 0x7FFFF024 if placeholder_sizes else 36 + len(pcm)
    data_size = 0x7FFFF000 if placeholder_sizes else len(pcm)
    header = b"RIFF" + struct.pack("<I", riff) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sr, sr * 2, 2, 16)
    header += b"data" + struct.pack("<I", data_size)
    return header + pcm


# ----------------------------------------------------------------------------------------------------------------
# energy


def envelope(x: np.ndarray, sr: int, win_s: float = 0.010) -> np.ndarray:
    """Centred moving RMS over win_s, one value per sample."""
    x = np.asarray(x, np.float64)
    w = max(1, int(round(win_s * sr)))
    c = np.concatenate([[0.0], np.cumsum(x * x)])
    lo = np.clip(np.arange(x.size) - w // 2, 0, x.size)
    hi = np.clip(lo + w, 0, x.size)
    return np.sqrt(np.maximum(c[hi] - c[lo], 0.0) / np.maximum(hi - lo, 1))


def active_power(x: np.ndarray, sr: int = SAMPLE_RATE, frame_s: float = 0.020, floor_db: float = -40.0) -> float:
    """Mean power of the active part of x: the 20 ms frames whose power is within floor_db of the loudest frame.

    This is the speech level used for SNRs (silence around a TTS render does not count). Falls back to the mean
    square of the whole signal for signals shorter than a frame.
    """
    x = np.asarray(x, np.float64)
    f = max(1, int(round(frame_s * sr)))
    n = x.size // f
    if n == 0:
        return float(np.mean(x * x)) if x.size else 0.0
    p = np.mean(x[: n * f].reshape(n, f) ** 2, axis=1)
    top = p.max()
    if top <= 0.0:
        return 0.0
    return float(p[p >= top * 10.0 ** (floor_db / 10.0)].mean())


def trim_bounds(x: np.ndarray, sr: int, rel_db: float = -50.0, abs_floor: float = 3e-5,
                win_s: float = 0.005) -> tuple[int, int]:
    """[start, end) of the part of x whose 5 ms moving RMS reaches max(peak RMS * 10^(rel_db/20), abs_floor).

    Used to trim a single-word render before it is placed in an alignment utterance: leading and trailing silence
    (or the engine's low-level noise) is cut, the word keeps everything from the first to the last sample whose local
    energy crosses the threshold, tightened to the first and last sample whose magnitude reaches the threshold.
    Returns (0, 0) for a signal with no sample above the threshold.
    """
    env = envelope(x, sr, win_s)
    if env.size == 0:
        return 0, 0
    thr = max(float(env.max()) * 10.0 ** (rel_db / 20.0), abs_floor)
    above = np.nonzero(env >= thr)[0]
    if above.size == 0:
        return 0, 0
    a, b = int(above[0]), int(above[-1]) + 1
    # the centred window reaches half a window past the sound: tighten to the first and last sample whose own
    # magnitude reaches the threshold
    loud = np.nonzero(np.abs(np.asarray(x[a:b], np.float64)) >= thr)[0]
    if loud.size:
        a, b = a + int(loud[0]), a + int(loud[-1]) + 1
    return a, b


# ----------------------------------------------------------------------------------------------------------------
# filtering


def fft_convolve(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Full linear convolution via real FFT (length len(x) + len(h) - 1)."""
    x = np.asarray(x, np.float64)
    h = np.asarray(h, np.float64)
    n = x.size + h.size - 1
    nfft = 1 << max(1, (n - 1).bit_length())
    return np.fft.irfft(np.fft.rfft(x, nfft) * np.fft.rfft(h, nfft), nfft)[:n]


def fir_lowpass(cutoff_hz: float, sr: int, taps: int = 255, beta: float = 8.6) -> np.ndarray:
    """Linear-phase Kaiser-windowed sinc low-pass (odd length, unity DC gain)."""
    m = np.arange(taps) - (taps - 1) / 2.0
    fc = cutoff_hz / sr
    h = 2.0 * fc * np.sinc(2.0 * fc * m) * np.kaiser(taps, beta)
    return h / h.sum()


def fir_bandpass(lo_hz: float, hi_hz: float, sr: int, taps: int = 255, beta: float = 8.6) -> np.ndarray:
    """Band-pass as the difference of two low-passes, normalised to unity gain at the band centre."""
    h = fir_lowpass(hi_hz, sr, taps, beta) - fir_lowpass(lo_hz, sr, taps, beta)
    f0 = math.sqrt(lo_hz * hi_hz)
    m = np.arange(taps)
    g = abs(np.sum(h * np.exp(-2j * np.pi * f0 / sr * m)))
    return h / g


def filter_same(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Apply a linear-phase odd-length FIR with its delay removed (output aligned with and as long as x)."""
    y = fft_convolve(x, h)
    d = (h.size - 1) // 2
    return y[d:d + np.asarray(x).size]
