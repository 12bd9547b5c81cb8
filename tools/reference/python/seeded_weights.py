#!/usr/bin/env python3
"""Seeded Whisper weights: the numpy implementation of tools/reference/WEIGHTS.md.

Every value is a pure function of (seed, Hugging Face tensor name, element index), computed with wrapping 32-bit
unsigned integer arithmetic and float32 rounding only, so this file and the TypeScript implementation
(tools/reference/src/weights/) produce byte-identical tensors. The committed hashes in
tools/reference/fixtures/weight-hashes.json (written by record_hashes.py) are the contract between the two.

Command line (writes one model directory; needs numpy only):

    python3 tools/reference/python/seeded_weights.py --arch tiny --seed 1234 --layout hf --out DIR

Layouts: hf, hf-sharded, mlx-safetensors, mlx-npz, ggml-f32, ggml-f16 (see whisper_layouts.py).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SPEC_VERSION = 1

MASK32 = 0xFFFFFFFF
FNV_OFFSET_BASIS = 0x811C9DC5
FNV_PRIME = 0x01000193
# Salts that separate the seed word and the second key word from the name hash (WEIGHTS.md, "Keys").
SEED_SALT = 0x9E3779B9
SECOND_KEY_SALT = 0x7F4A7C15
FMIX_MULTIPLIER_1 = 0x85EBCA6B
FMIX_MULTIPLIER_2 = 0xC2B2AE35
# 24 random bits per element: every uniform value m / 2^23 - 1 is exactly representable in float32.
UNIFORM_SHIFT = 8
UNIFORM_HALF_RANGE = 1 << 23
# Elements generated per numpy pass: 4 Mi elements = 16 MiB of uint32, small enough to stream any tensor.
CHUNK_ELEMENTS = 1 << 22
MAX_ELEMENTS = 1 << 32

WEIGHT_STD = 0.02
BIAS_STD = 0.02
LAYER_NORM_WEIGHT_MEAN = 1.0
LAYER_NORM_STD = 0.02
SINUSOID_MAX_TIMESCALE = 10000

N_AUDIO_CTX = 1500
N_TEXT_CTX = 448
CONV_KERNEL = 3

_U32 = np.uint32


def fnv1a32(data: bytes) -> int:
    """FNV-1a, 32-bit, over the bytes given (tensor names are hashed as UTF-8)."""
    h = FNV_OFFSET_BASIS
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & MASK32
    return h


def fmix32(x: int) -> int:
    """MurmurHash3's 32-bit finaliser on one word."""
    x &= MASK32
    x ^= x >> 16
    x = (x * FMIX_MULTIPLIER_1) & MASK32
    x ^= x >> 13
    x = (x * FMIX_MULTIPLIER_2) & MASK32
    x ^= x >> 16
    return x


def _fmix32_inplace(x: np.ndarray) -> None:
    """fmix32 over a uint32 array, in place (numpy uint32 products wrap modulo 2^32)."""
    x ^= x >> _U32(16)
    np.multiply(x, _U32(FMIX_MULTIPLIER_1), out=x)
    x ^= x >> _U32(13)
    np.multiply(x, _U32(FMIX_MULTIPLIER_2), out=x)
    x ^= x >> _U32(16)


def tensor_keys(seed: int, name: str) -> tuple[int, int]:
    """The two key words of a tensor: k0 = fmix32(fnv1a32(name) ^ fmix32(seed ^ SEED_SALT)), k1 = fmix32(k0 ^ SALT2)."""
    if not 0 <= seed <= MASK32:
        raise ValueError(f"[tensor_keys] seed must be an integer in [0, 2^32), got {seed}")
    k0 = fmix32(fnv1a32(name.encode("utf-8")) ^ fmix32(seed ^ SEED_SALT))
    return k0, fmix32(k0 ^ SECOND_KEY_SALT)


def element_bits(seed: int, name: str, start: int, count: int) -> np.ndarray:
    """The 32-bit words of elements [start, start + count): fmix32(fmix32(i + k0) ^ k1), as uint32."""
    if start < 0 or count < 0 or start + count > MAX_ELEMENTS:
        raise ValueError(f"[element_bits] elements [{start}, {start + count}) are outside [0, 2^32)")
    k0, k1 = tensor_keys(seed, name)
    x = np.arange(start, start + count, dtype=np.uint64).astype(np.uint32)
    x += _U32(k0)
    _fmix32_inplace(x)
    x ^= _U32(k1)
    _fmix32_inplace(x)
    return x


def uniform_from_bits(bits: np.ndarray) -> np.ndarray:
    """Top 24 bits m of each word to (m - 2^23) / 2^23: float32 in [-1, 1), exact."""
    m = (bits >> _U32(UNIFORM_SHIFT)).astype(np.int32) - np.int32(UNIFORM_HALF_RANGE)
    return m.astype(np.float32) * np.float32(1.0 / UNIFORM_HALF_RANGE)


@dataclass(frozen=True)
class Init:
    """How a tensor's values are made: mean + uniform·(std·√3), or the sinusoid table when sinusoids is set."""

    mean: float = 0.0
    std: float = 0.0
    sinusoids: bool = False

    @property
    def scale(self) -> np.float32:
        """std·√3 rounded to float32: a uniform on [-1, 1) times this has standard deviation std."""
        return np.float32(self.std * math.sqrt(3.0))


WEIGHT = Init(std=WEIGHT_STD)
BIAS = Init(std=BIAS_STD)
LN_WEIGHT = Init(mean=LAYER_NORM_WEIGHT_MEAN, std=LAYER_NORM_STD)
LN_BIAS = Init(std=LAYER_NORM_STD)
SINUSOIDS = Init(sinusoids=True)


@dataclass(frozen=True)
class TensorSpec:
    """One tensor: its Hugging Face name (the generator key), its OpenAI/ggml name, PyTorch shape and init."""

    hf_name: str
    openai_name: str
    shape: tuple[int, ...]
    init: Init

    @property
    def n_elements(self) -> int:
        return math.prod(self.shape)

    @property
    def mlx_name(self) -> str:
        """MLX splits OpenAI's mlp Sequential into mlp1/mlp2."""
        return self.openai_name.replace(".mlp.0.", ".mlp1.").replace(".mlp.2.", ".mlp2.")


@lru_cache(maxsize=8)
def sinusoids(length: int, channels: int) -> np.ndarray:
    """Whisper's encoder positional table [length, channels], computed in float64 and rounded once to float32.

    Python's math module (the platform libm) is used on purpose instead of numpy's vectorised sin/cos, which may use
    different (SIMD) implementations on different CPUs; the result was checked bit-equal to V8's for every width.
    """
    if channels % 2 != 0:
        raise ValueError(f"[sinusoids] channels must be even, got {channels}")
    half = channels // 2
    increment = math.log(SINUSOID_MAX_TIMESCALE) / (half - 1)
    inverse_timescales = [math.exp(-increment * j) for j in range(half)]
    table = np.empty((length, channels), dtype=np.float64)
    for t in range(length):
        angles = [t * inv for inv in inverse_timescales]
        table[t, :half] = [math.sin(a) for a in angles]
        table[t, half:] = [math.cos(a) for a in angles]
    result = table.astype(np.float32)
    result.setflags(write=False)
    return result


def tensor_values(seed: int, tensor: TensorSpec, start: int = 0, count: int | None = None) -> np.ndarray:
    """Elements [start, start + count) of a tensor in row-major order of its PyTorch shape, as float32."""
    if count is None:
        count = tensor.n_elements - start
    if start < 0 or count < 0 or start + count > tensor.n_elements:
        raise ValueError(f"[tensor_values] elements [{start}, {start + count}) outside {tensor.hf_name}")
    if tensor.init.sinusoids:
        return sinusoids(*tensor.shape).reshape(-1)[start : start + count].copy()
    values = uniform_from_bits(element_bits(seed, tensor.hf_name, start, count)) * tensor.init.scale
    if tensor.init.mean != 0.0:
        values += np.float32(tensor.init.mean)
    return values


def tensor_chunks(seed: int, tensor: TensorSpec, chunk_elements: int = CHUNK_ELEMENTS):
    """The tensor's values in consecutive float32 chunks (streams tensors of any size)."""
    for start in range(0, tensor.n_elements, chunk_elements):
        yield tensor_values(seed, tensor, start, min(chunk_elements, tensor.n_elements - start))


# --- dtypes -----------------------------------------------------------------------------------------------------

DTYPES = ("f32", "f16", "bf16")


def encode(values: np.ndarray, dtype: str) -> bytes:
    """float32 values as little-endian bytes of dtype: f32 as is, f16 and bf16 rounded to nearest, ties to even."""
    if dtype == "f32":
        return values.astype("<f4").tobytes()
    if dtype == "f16":
        return values.astype("<f2").tobytes()
    if dtype == "bf16":
        bits = values.astype("<f4").view(np.uint32)
        rounded = (bits + _U32(0x7FFF) + ((bits >> _U32(16)) & _U32(1))) >> _U32(16)
        return rounded.astype("<u2").tobytes()
    raise ValueError(f"[encode] unknown dtype {dtype!r}; expected one of {', '.join(DTYPES)}")


def bytes_per_element(dtype: str) -> int:
    return 4 if dtype == "f32" else 2


# --- architectures ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dims:
    """ModelSpec of packages/core/src/model-spec.ts (the TS test checks this table against it)."""

    n_mels: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_vocab: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int


def _dims(n_mels: int, n_vocab: int, width: int, heads: int, encoder_layers: int, decoder_layers: int) -> Dims:
    return Dims(n_mels, N_AUDIO_CTX, width, heads, encoder_layers, n_vocab, N_TEXT_CTX, width, heads, decoder_layers)


ARCHITECTURES: dict[str, Dims] = {
    "tiny": _dims(80, 51865, 384, 6, 4, 4),
    "tiny.en": _dims(80, 51864, 384, 6, 4, 4),
    "base": _dims(80, 51865, 512, 8, 6, 6),
    "base.en": _dims(80, 51864, 512, 8, 6, 6),
    "small": _dims(80, 51865, 768, 12, 12, 12),
    "small.en": _dims(80, 51864, 768, 12, 12, 12),
    "medium": _dims(80, 51865, 1024, 16, 24, 24),
    "medium.en": _dims(80, 51864, 1024, 16, 24, 24),
    "large-v1": _dims(80, 51865, 1280, 20, 32, 32),
    "large-v2": _dims(80, 51865, 1280, 20, 32, 32),
    "large-v3": _dims(128, 51866, 1280, 20, 32, 32),
    "large-v3-turbo": _dims(128, 51866, 1280, 20, 32, 4),
    "distil-small.en": _dims(80, 51864, 768, 12, 12, 2),
    "distil-medium.en": _dims(80, 51864, 1024, 16, 24, 2),
    "distil-large-v2": _dims(80, 51865, 1280, 20, 32, 2),
    "distil-large-v3": _dims(128, 51866, 1280, 20, 32, 2),
}


def architecture(name: str) -> Dims:
    if name not in ARCHITECTURES:
        raise ValueError(f"[architecture] unknown architecture {name!r}; expected one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]


def _attention(hf: str, openai: str, width: int) -> list[TensorSpec]:
    """q, k, v, out projections in OpenAI order; Whisper's key projection has no bias."""
    square = (width, width)
    return [
        TensorSpec(f"{hf}.q_proj.weight", f"{openai}.query.weight", square, WEIGHT),
        TensorSpec(f"{hf}.q_proj.bias", f"{openai}.query.bias", (width,), BIAS),
        TensorSpec(f"{hf}.k_proj.weight", f"{openai}.key.weight", square, WEIGHT),
        TensorSpec(f"{hf}.v_proj.weight", f"{openai}.value.weight", square, WEIGHT),
        TensorSpec(f"{hf}.v_proj.bias", f"{openai}.value.bias", (width,), BIAS),
        TensorSpec(f"{hf}.out_proj.weight", f"{openai}.out.weight", square, WEIGHT),
        TensorSpec(f"{hf}.out_proj.bias", f"{openai}.out.bias", (width,), BIAS),
    ]


def _layer_norm(hf: str, openai: str, width: int) -> list[TensorSpec]:
    return [
        TensorSpec(f"{hf}.weight", f"{openai}.weight", (width,), LN_WEIGHT),
        TensorSpec(f"{hf}.bias", f"{openai}.bias", (width,), LN_BIAS),
    ]


def _block(hf: str, openai: str, width: int, cross_attention: bool) -> list[TensorSpec]:
    mlp_width = 4 * width
    tensors = _attention(f"{hf}.self_attn", f"{openai}.attn", width)
    tensors += _layer_norm(f"{hf}.self_attn_layer_norm", f"{openai}.attn_ln", width)
    if cross_attention:
        tensors += _attention(f"{hf}.encoder_attn", f"{openai}.cross_attn", width)
        tensors += _layer_norm(f"{hf}.encoder_attn_layer_norm", f"{openai}.cross_attn_ln", width)
    tensors += [
        TensorSpec(f"{hf}.fc1.weight", f"{openai}.mlp.0.weight", (mlp_width, width), WEIGHT),
        TensorSpec(f"{hf}.fc1.bias", f"{openai}.mlp.0.bias", (mlp_width,), BIAS),
        TensorSpec(f"{hf}.fc2.weight", f"{openai}.mlp.2.weight", (width, mlp_width), WEIGHT),
        TensorSpec(f"{hf}.fc2.bias", f"{openai}.mlp.2.bias", (width,), BIAS),
    ]
    tensors += _layer_norm(f"{hf}.final_layer_norm", f"{openai}.mlp_ln", width)
    return tensors


def whisper_tensors(arch: str) -> list[TensorSpec]:
    """Every stored tensor of the architecture, in OpenAI state-dict order (proj_out is tied, so not listed)."""
    d = architecture(arch)
    width = d.n_audio_state
    tensors = [
        TensorSpec(
            "model.encoder.embed_positions.weight", "encoder.positional_embedding", (d.n_audio_ctx, width), SINUSOIDS
        ),
        TensorSpec("model.encoder.conv1.weight", "encoder.conv1.weight", (width, d.n_mels, CONV_KERNEL), WEIGHT),
        TensorSpec("model.encoder.conv1.bias", "encoder.conv1.bias", (width,), BIAS),
        TensorSpec("model.encoder.conv2.weight", "encoder.conv2.weight", (width, width, CONV_KERNEL), WEIGHT),
        TensorSpec("model.encoder.conv2.bias", "encoder.conv2.bias", (width,), BIAS),
    ]
    for layer in range(d.n_audio_layer):
        tensors += _block(f"model.encoder.layers.{layer}", f"encoder.blocks.{layer}", width, cross_attention=False)
    tensors += _layer_norm("model.encoder.layer_norm", "encoder.ln_post", width)
    tensors += [
        TensorSpec(
            "model.decoder.embed_positions.weight", "decoder.positional_embedding", (d.n_text_ctx, width), WEIGHT
        ),
        TensorSpec("model.decoder.embed_tokens.weight", "decoder.token_embedding.weight", (d.n_vocab, width), WEIGHT),
    ]
    for layer in range(d.n_text_layer):
        tensors += _block(f"model.decoder.layers.{layer}", f"decoder.blocks.{layer}", width, cross_attention=True)
    tensors += _layer_norm("model.decoder.layer_norm", "decoder.ln", width)
    return tensors


def tensor_by_hf_name(arch: str, hf_name: str) -> TensorSpec:
    for tensor in whisper_tensors(arch):
        if tensor.hf_name == hf_name:
            return tensor
    raise ValueError(f"[tensor_by_hf_name] {arch} has no tensor {hf_name!r}")


# --- command line -----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import whisper_layouts  # noqa: PLC0415 (the layouts import this module; import them only when writing)

    parser = argparse.ArgumentParser(description="Write seeded random Whisper weights in a real model layout.")
    parser.add_argument("--arch", required=True, choices=sorted(ARCHITECTURES))
    parser.add_argument("--seed", type=int, required=True, help="unsigned 32-bit seed")
    parser.add_argument("--layout", required=True, choices=whisper_layouts.LAYOUTS)
    parser.add_argument("--dtype", default="f32", choices=DTYPES, help="tensor dtype for hf and mlx layouts")
    parser.add_argument("--max-shard-mb", type=float, default=None, help="largest hf shard, in MB (10^6 bytes)")
    parser.add_argument("--assets", default=None, help="folder holding shared/assets (default: beside the checkout)")
    parser.add_argument("--out", required=True, help="output folder (created)")
    args = parser.parse_args(argv)
    if not 0 <= args.seed <= MASK32:
        parser.error(f"--seed must be in [0, 2^32), got {args.seed}")
    if args.max_shard_mb is not None and args.max_shard_mb <= 0:
        parser.error("--max-shard-mb must be positive")
    try:
        written = whisper_layouts.write_layout(
            args.layout,
            args.out,
            arch=args.arch,
            seed=args.seed,
            dtype=args.dtype,
            max_shard_bytes=None if args.max_shard_mb is None else int(args.max_shard_mb * 1_000_000),
            assets_dir=args.assets,
        )
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
