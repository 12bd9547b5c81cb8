"""Seeded Whisper weights written as real model directories: Hugging Face, MLX community, whisper.cpp ggml.

Mirrors tools/reference/src/weights/layouts/ file for file and byte for byte; tools/reference/WEIGHTS.md says what
each file holds and which choices are ours.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np

import seeded_weights as sw
import whisper_files as wf

LAYOUTS = ("hf", "hf-sharded", "mlx-safetensors", "mlx-npz", "ggml-f32", "ggml-f16")
DEFAULT_MAX_SHARD_BYTES = 100_000_000
TRANSFORMERS_VERSION = "4.38.2"
HF_TOKENIZER_ASSETS = "whisper/hf-onnx-community-whisper-base-tokenizer"

# --- special tokens -----------------------------------------------------------------------------------------------

LANGUAGES = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi ml "
    "cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am "
    "yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue"
).split()
N_LANGUAGES_BEFORE_V3 = 99
N_TIMESTAMPS = 1501  # <|0.00|> .. <|30.00|>, 0.02 s apart
TIMESTAMP_STEP_S = 0.02
# Tokens OpenAI's tokenizer.non_speech_tokens lists (symbols that are never speech), for each BPE vocabulary.
NON_SPEECH_TOKENS_ENGLISH = (
    1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 357, 366, 438, 532, 685, 705,
    796, 930, 1058, 1220, 1267, 1279, 1303, 1343, 1377, 1391, 1635, 1782, 1875, 2162, 2361, 2488, 3467, 4008, 4211, 4600,
    4808, 5299, 5855, 6329, 7203, 9609, 9959, 10563, 10786, 11420, 11709, 11907, 13163, 13697, 13700, 14808, 15306,
    16410, 16791, 17992, 19203, 19510, 20724, 22305, 22935, 27007, 30109, 30420, 33409, 34949, 40283, 40493, 40549,
    47282, 49146,
)
NON_SPEECH_TOKENS_MULTILINGUAL = (
    1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 359, 503, 522, 542, 873, 893,
    902, 918, 922, 931, 1350, 1853, 1982, 2460, 2627, 3246, 3253, 3268, 3536, 3846, 3961, 4183, 4667, 6585, 6647, 7273,
    9061, 9383, 10428, 10929, 11938, 12033, 12331, 12562, 13793, 14157, 14635, 15265, 15618, 16553, 16604, 18362, 18956,
    20075, 21675, 22520, 26130, 26161, 26435, 28279, 29464, 31650, 32302, 32470, 36865, 42863, 47425, 49870, 50254,
)
SPACE_TOKEN = 220
MAX_INITIAL_TIMESTAMP_INDEX = 50


class SpecialTokens:
    """Ids of Whisper's special tokens for one vocabulary size: 51864 (English-only), 51865, 51866 (adds yue)."""

    def __init__(self, n_vocab: int):
        self.multilingual = n_vocab >= 51865
        self.eot = 50257 if self.multilingual else 50256
        self.sot = self.eot + 1
        self.languages = LANGUAGES[: N_LANGUAGES_BEFORE_V3 + (1 if n_vocab >= 51866 else 0)]
        self.translate = self.sot + 1 + len(self.languages)
        self.transcribe = self.translate + 1
        self.start_of_lm = self.translate + 2
        self.start_of_prev = self.translate + 3
        self.no_captions = self.translate + 4
        self.no_timestamps = self.translate + 5
        self.timestamp_begin = self.translate + 6
        if self.timestamp_begin + N_TIMESTAMPS != n_vocab:
            raise ValueError(f"[SpecialTokens] no Whisper vocabulary has {n_vocab} tokens")
        self.n_vocab = n_vocab

    def language_id(self, code: str) -> int:
        return self.sot + 1 + self.languages.index(code)

    def suppress_tokens(self) -> list[int]:
        base = NON_SPEECH_TOKENS_MULTILINGUAL if self.multilingual else NON_SPEECH_TOKENS_ENGLISH
        specials = [self.sot, self.translate, self.transcribe, self.start_of_lm, self.start_of_prev, self.no_captions]
        return [*base, *specials]

    def added_tokens(self) -> list[tuple[int, str, bool]]:
        """(id, content, special) of every added token, in id order; timestamps are not special."""
        named = ["<|endoftext|>", "<|startoftranscript|>", *[f"<|{code}|>" for code in self.languages]]
        named += ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>"]
        named += ["<|notimestamps|>"]
        tokens = [(self.eot + i, content, True) for i, content in enumerate(named)]
        tokens += [(self.timestamp_begin + i, f"<|{i * TIMESTAMP_STEP_S:.2f}|>", False) for i in range(N_TIMESTAMPS)]
        return tokens


# --- Hugging Face configuration files -----------------------------------------------------------------------------

# [layer, head] pairs decoded from openai/whisper's _ALIGNMENT_HEADS (the same lists Hugging Face publishes).
ALIGNMENT_HEADS = {
    "tiny.en": [[1, 0], [2, 0], [2, 5], [3, 0], [3, 1], [3, 2], [3, 3], [3, 4]],
    "tiny": [[2, 2], [3, 0], [3, 2], [3, 3], [3, 4], [3, 5]],
    "base.en": [[3, 3], [4, 7], [5, 1], [5, 5], [5, 7]],
    "base": [[3, 1], [4, 2], [4, 3], [4, 7], [5, 1], [5, 2], [5, 4], [5, 6]],
    "small.en": [[6, 6], [7, 0], [7, 3], [7, 8], [8, 2], [8, 5], [8, 7], [9, 0], [9, 4], [9, 8], [9, 10], [10, 0],
                 [10, 1], [10, 2], [10, 3], [10, 6], [10, 11], [11, 2], [11, 4]],
    "small": [[5, 3], [5, 9], [8, 0], [8, 4], [8, 7], [8, 8], [9, 0], [9, 7], [9, 9], [10, 5]],
    "medium.en": [[11, 4], [14, 1], [14, 12], [14, 14], [15, 4], [16, 0], [16, 4], [16, 9], [17, 12], [17, 14], [18, 7],
                  [18, 10], [18, 15], [20, 0], [20, 3], [20, 9], [20, 14], [21, 12]],
    "medium": [[13, 15], [15, 4], [15, 15], [16, 1], [20, 0], [23, 4]],
    "large-v1": [[9, 19], [11, 2], [11, 4], [11, 17], [22, 7], [22, 11], [22, 17], [23, 2], [23, 15]],
    "large-v2": [[10, 12], [13, 17], [16, 11], [16, 12], [16, 13], [17, 15], [17, 16], [18, 4], [18, 11], [18, 19],
                 [19, 11], [21, 2], [21, 3], [22, 3], [22, 9], [22, 12], [23, 5], [23, 7], [23, 13], [25, 5], [26, 1],
                 [26, 12], [27, 15]],
    "large-v3": [[7, 0], [10, 17], [12, 18], [13, 12], [16, 1], [17, 14], [19, 11], [21, 4], [24, 1], [25, 6]],
    "large-v3-turbo": [[2, 4], [2, 11], [3, 3], [3, 6], [3, 11], [3, 14]],
}


def alignment_heads(arch: str) -> list[list[int]]:
    """OpenAI's heads where published; otherwise (distil-*) OpenAI's default: every head of the last half of layers."""
    if arch in ALIGNMENT_HEADS:
        return ALIGNMENT_HEADS[arch]
    d = sw.architecture(arch)
    return [[layer, head] for layer in range(d.n_text_layer // 2, d.n_text_layer) for head in range(d.n_text_head)]


def hub_name(arch: str) -> str:
    return f"distil-whisper/{arch}" if arch.startswith("distil-") else f"openai/whisper-{arch}"


TORCH_DTYPES = {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}


def pad_token_id(tokens: SpecialTokens) -> int:
    # large-v3's published config pads with token 50256; every earlier one pads with <|endoftext|>.
    return 50256 if tokens.n_vocab >= 51866 else tokens.eot


def config_json(arch: str, dtype: str) -> dict:
    """config.json of WhisperForConditionalGeneration with the published repos' keys."""
    d = sw.architecture(arch)
    tokens = SpecialTokens(d.n_vocab)
    if tokens.multilingual:
        forced = [[1, tokens.language_id("en")], [2, tokens.transcribe], [3, tokens.no_timestamps]]
    else:
        forced = [[1, tokens.no_timestamps]]
    return {
        "_name_or_path": hub_name(arch),
        "activation_dropout": 0.0,
        "activation_function": "gelu",
        "apply_spec_augment": False,
        "architectures": ["WhisperForConditionalGeneration"],
        "attention_dropout": 0.0,
        "begin_suppress_tokens": [SPACE_TOKEN, tokens.eot],
        "bos_token_id": 50257,
        "classifier_proj_size": 256,
        "d_model": d.n_audio_state,
        "decoder_attention_heads": d.n_text_head,
        "decoder_ffn_dim": 4 * d.n_text_state,
        "decoder_layerdrop": 0.0,
        "decoder_layers": d.n_text_layer,
        "decoder_start_token_id": tokens.sot,
        "dropout": 0.0,
        "encoder_attention_heads": d.n_audio_head,
        "encoder_ffn_dim": 4 * d.n_audio_state,
        "encoder_layerdrop": 0.0,
        "encoder_layers": d.n_audio_layer,
        "eos_token_id": tokens.eot,
        "forced_decoder_ids": forced,
        "init_std": 0.02,
        "is_encoder_decoder": True,
        "mask_feature_length": 10,
        "mask_feature_min_masks": 0,
        "mask_feature_prob": 0.0,
        "mask_time_length": 10,
        "mask_time_min_masks": 2,
        "mask_time_prob": 0.05,
        "max_length": d.n_text_ctx,
        "max_source_positions": d.n_audio_ctx,
        "max_target_positions": d.n_text_ctx,
        "median_filter_width": 7,
        "model_type": "whisper",
        "num_hidden_layers": d.n_audio_layer,
        "num_mel_bins": d.n_mels,
        "pad_token_id": pad_token_id(tokens),
        "scale_embedding": False,
        "suppress_tokens": tokens.suppress_tokens(),
        "torch_dtype": TORCH_DTYPES[dtype],
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "use_weighted_layer_sum": False,
        "vocab_size": d.n_vocab,
    }


def generation_config_json(arch: str) -> dict:
    """generation_config.json: the published keys, ids for this vocabulary, alignment_heads as above."""
    d = sw.architecture(arch)
    tokens = SpecialTokens(d.n_vocab)
    config = {
        "alignment_heads": alignment_heads(arch),
        "begin_suppress_tokens": [SPACE_TOKEN, tokens.eot],
        "bos_token_id": 50257,
        "decoder_start_token_id": tokens.sot,
        "eos_token_id": tokens.eot,
        "is_multilingual": tokens.multilingual,
        "max_initial_timestamp_index": MAX_INITIAL_TIMESTAMP_INDEX,
        "max_length": d.n_text_ctx,
        "no_timestamps_token_id": tokens.no_timestamps,
        "pad_token_id": pad_token_id(tokens),
        "prev_sot_token_id": tokens.start_of_prev,
        "return_timestamps": False,
        "suppress_tokens": tokens.suppress_tokens(),
        "transformers_version": TRANSFORMERS_VERSION,
    }
    if tokens.multilingual:
        config["forced_decoder_ids"] = [[1, None], [2, tokens.transcribe]]
        config["lang_to_id"] = {f"<|{code}|>": tokens.language_id(code) for code in tokens.languages}
        config["task_to_id"] = {"transcribe": tokens.transcribe, "translate": tokens.translate}
    else:
        config["forced_decoder_ids"] = [[1, tokens.no_timestamps]]
    return config


def preprocessor_config_json(arch: str) -> dict:
    d = sw.architecture(arch)
    return {
        "chunk_length": 30,
        "feature_extractor_type": "WhisperFeatureExtractor",
        "feature_size": d.n_mels,
        "hop_length": 160,
        "n_fft": 400,
        "n_samples": 480000,
        "nb_max_frames": 3000,
        "padding_side": "right",
        "padding_value": 0.0,
        "processor_class": "WhisperProcessor",
        "return_attention_mask": False,
        "sampling_rate": 16000,
    }


# --- tokenizer files ----------------------------------------------------------------------------------------------


def _byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters (byte-level BPE)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    mapping = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


def bpe_merges(tokens: list[bytes]) -> list[tuple[bytes, bytes]]:
    """The merge that created each multi-byte token, in rank order, recovered by running BPE with lower ranks only."""
    rank = {token: r for r, token in enumerate(tokens)}
    merges = []
    for r, token in enumerate(tokens):
        if len(token) < 2:
            continue
        parts = [token[i : i + 1] for i in range(len(token))]
        while len(parts) > 2:
            best = None
            for i in range(len(parts) - 1):
                pair_rank = rank.get(parts[i] + parts[i + 1])
                if pair_rank is not None and pair_rank < r and (best is None or pair_rank < best[0]):
                    best = (pair_rank, i)
            if best is None:
                break
            i = best[1]
            parts[i : i + 2] = [parts[i] + parts[i + 1]]
        if len(parts) != 2:
            raise ValueError(f"[bpe_merges] token {r} is not the merge of two lower-ranked tokens")
        merges.append((parts[0], parts[1]))
    return merges


def _added_token_entry(token_id: int, content: str, special: bool) -> dict:
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": not special, "special": special}


def tokenizer_files(arch: str, assets_dir: Path) -> dict[str, bytes]:
    """tokenizer.json, tokenizer_config.json, vocab.json, merges.txt for the architecture's vocabulary.

    51865: the shared whisper-base files unchanged. 51866: the same BPE with <|yue|> added and later specials shifted.
    51864: GPT-2's BPE (vocab and merges rebuilt from gpt2.tiktoken) with the English-only special token ids.
    """
    source = assets_dir / HF_TOKENIZER_ASSETS
    names = ("tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt")
    files = {name: (source / name).read_bytes() for name in names}
    tokens = SpecialTokens(sw.architecture(arch).n_vocab)
    if tokens.n_vocab == 51865:
        return files
    tokenizer = json.loads(files["tokenizer.json"])
    tokenizer_config = json.loads(files["tokenizer_config.json"])
    added = tokens.added_tokens()
    if not tokens.multilingual:
        encoder = _byte_to_unicode()

        def text(token: bytes) -> str:
            return "".join(encoder[b] for b in token)

        bpe = wf.read_tiktoken(assets_dir / "whisper" / "gpt2.tiktoken")
        vocab = {text(token): rank for rank, token in enumerate(bpe)}
        vocab["<|endoftext|>"] = tokens.eot
        merges = [f"{text(left)} {text(right)}" for left, right in bpe_merges(bpe)]
        tokenizer["model"]["vocab"] = vocab
        tokenizer["model"]["merges"] = merges
        files["vocab.json"] = json.dumps(vocab, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"
        files["merges.txt"] = ("#version: 0.2\n" + "".join(m + "\n" for m in merges)).encode("utf-8")
    tokenizer["added_tokens"] = [_added_token_entry(*entry) for entry in added]
    ids = {content: token_id for token_id, content, _ in added}
    for special in tokenizer["post_processor"]["special_tokens"].values():
        special["ids"] = [ids[special["id"]]]
    files["tokenizer.json"] = json.dumps(tokenizer, indent=2, ensure_ascii=False).encode("utf-8")
    tokenizer_config["added_tokens_decoder"] = {
        str(token_id): {k: v for k, v in _added_token_entry(token_id, content, special).items() if k != "id"}
        for token_id, content, special in added
    }
    tokenizer_config["additional_special_tokens"] = [content for _, content, special in added if special]
    files["tokenizer_config.json"] = wf.dumps_sorted(tokenizer_config, ensure_ascii=False).encode("utf-8")
    return files


# --- layouts ------------------------------------------------------------------------------------------------------


def default_assets_dir() -> Path:
    """$VERBATIM_SHARED/assets, else shared/assets beside the checkout (../shared) or inside it (shared/)."""
    if "VERBATIM_SHARED" in os.environ:
        return Path(os.environ["VERBATIM_SHARED"]) / "assets"
    repo = Path(__file__).resolve().parents[3]
    for candidate in (repo.parent / "shared" / "assets", repo / "shared" / "assets"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("[default_assets_dir] no shared/assets found; pass --assets or set VERBATIM_SHARED")


def hf_tensors(arch: str, seed: int, dtype: str) -> list[wf.StoredTensor]:
    return [
        wf.StoredTensor(t.hf_name, t.shape, dtype, wf.seeded_chunks(seed, t, dtype)) for t in sw.whisper_tensors(arch)
    ]


def write_hf(out: Path, arch: str, seed: int, dtype: str, max_shard_bytes: int | None, assets_dir: Path) -> list[Path]:
    written = []
    for name, text in (
        ("config.json", wf.dumps_sorted(config_json(arch, dtype))),
        ("generation_config.json", wf.dumps_sorted(generation_config_json(arch))),
        ("preprocessor_config.json", wf.dumps_sorted(preprocessor_config_json(arch))),
    ):
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    for name, data in tokenizer_files(arch, assets_dir).items():
        wf.write_bytes(out / name, data)
        written.append(out / name)
    tensors = hf_tensors(arch, seed, dtype)
    metadata = {"format": "pt"}
    if max_shard_bytes is None:
        wf.write_safetensors(out / "model.safetensors", tensors, metadata)
        return [*written, out / "model.safetensors"]
    return [*written, *wf.write_sharded_safetensors(out, tensors, metadata, max_shard_bytes)]


MLX_CONV_AXES = (0, 2, 1)  # PyTorch [out, in, kernel] -> MLX [out, kernel, in]


def mlx_tensors(arch: str, seed: int, dtype: str) -> list[wf.StoredTensor]:
    """OpenAI/MLX names; no encoder.positional_embedding (MLX computes the sinusoids itself)."""
    stored = []
    for t in sw.whisper_tensors(arch):
        if t.init.sinusoids:
            continue
        if len(t.shape) == 3:
            shape = tuple(t.shape[axis] for axis in MLX_CONV_AXES)
            chunks = wf.transposed_chunks(seed, t, dtype, MLX_CONV_AXES)
            stored.append(wf.StoredTensor(t.mlx_name, shape, dtype, chunks))
        else:
            stored.append(wf.StoredTensor(t.mlx_name, t.shape, dtype, wf.seeded_chunks(seed, t, dtype)))
    return stored


def mlx_config_json(arch: str) -> str:
    """config.json as mlx-examples' convert.py writes it: ModelDimensions fields, then model_type; indent 4."""
    config = {**dataclasses.asdict(sw.architecture(arch)), "model_type": "whisper"}
    return json.dumps(config, indent=4)


def write_mlx(out: Path, arch: str, seed: int, dtype: str, container: str) -> list[Path]:
    (out / "config.json").write_text(mlx_config_json(arch), encoding="utf-8")
    tensors = mlx_tensors(arch, seed, dtype)
    if container == "safetensors":
        path = out / "weights.safetensors"
        wf.write_safetensors(path, tensors, {"format": "mlx"})
    else:
        path = out / "weights.npz"
        wf.write_npz(path, sorted(tensors, key=lambda t: t.name))
    return [out / "config.json", path]


GGML_CONV_BIASES = ("encoder.conv1.bias", "encoder.conv2.bias")
GGML_F32_TENSORS = (*GGML_CONV_BIASES, "encoder.positional_embedding", "decoder.positional_embedding")


def ggml_tensor_dtype(tensor: sw.TensorSpec, file_dtype: str) -> str:
    """whisper.cpp's rule: in an f16 file, 1-D tensors, conv biases and positional embeddings stay f32."""
    if file_dtype == "f32" or len(tensor.shape) < 2 or tensor.openai_name in GGML_F32_TENSORS:
        return "f32"
    return "f16"


def ggml_vocabulary(n_vocab: int, assets_dir: Path) -> list[bytes]:
    """The BPE tokens as raw bytes; English-only files also carry <|endoftext|> last, as the released ggml-*.en do."""
    multilingual = n_vocab >= 51865
    tokens = wf.read_tiktoken(assets_dir / "whisper" / ("multilingual.tiktoken" if multilingual else "gpt2.tiktoken"))
    return tokens if multilingual else [*tokens, b"<|endoftext|>"]


def ggml_file_header(arch: str, dtype: str, assets_dir: Path) -> bytes:
    d = sw.architecture(arch)
    with np.load(assets_dir / "whisper" / "mel_filters.npz") as filters:
        mel = filters[f"mel_{d.n_mels}"]
    return wf.ggml_header(d, dtype, mel, ggml_vocabulary(d.n_vocab, assets_dir))


def ggml_tensors(arch: str, seed: int, dtype: str) -> list[wf.StoredTensor]:
    stored = []
    for t in sw.whisper_tensors(arch):
        tensor_dtype = ggml_tensor_dtype(t, dtype)
        shape = (t.shape[0], 1) if t.openai_name in GGML_CONV_BIASES else t.shape
        stored.append(wf.StoredTensor(t.openai_name, shape, tensor_dtype, wf.seeded_chunks(seed, t, tensor_dtype)))
    return stored


def write_ggml(out: Path, arch: str, seed: int, dtype: str, assets_dir: Path) -> list[Path]:
    path = out / f"ggml-model{'-f32' if dtype == 'f32' else ''}.bin"
    wf.write_ggml(path, ggml_file_header(arch, dtype, assets_dir), ggml_tensors(arch, seed, dtype))
    return [path]


def write_layout(layout: str, out_dir: str | Path, *, arch: str, seed: int, dtype: str = "f32",
                 max_shard_bytes: int | None = None, assets_dir: str | Path | None = None) -> list[Path]:
    """Write one model directory (created if missing); returns the files written. Raises ValueError for bad options."""
    if layout not in LAYOUTS:
        raise ValueError(f"[write_layout] unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    sw.architecture(arch)
    sw.tensor_keys(seed, "")  # validates the seed
    if layout == "mlx-npz" and dtype == "bf16":
        raise ValueError("[write_layout] .npz cannot hold bf16; use mlx-safetensors")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    assets = Path(assets_dir) if assets_dir is not None else None
    if layout in ("hf", "hf-sharded"):
        shard = max_shard_bytes if layout == "hf" else (max_shard_bytes or DEFAULT_MAX_SHARD_BYTES)
        return write_hf(out, arch, seed, dtype, shard, assets or default_assets_dir())
    if layout in ("mlx-safetensors", "mlx-npz"):
        return write_mlx(out, arch, seed, dtype, layout.removeprefix("mlx-"))
    return write_ggml(out, arch, seed, layout.removeprefix("ggml-"), assets or default_assets_dir())

