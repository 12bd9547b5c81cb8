#!/usr/bin/env python3
"""The reference run: Hugging Face transformers' Whisper on seeded weights, for every architecture.

Runs on the GPU machine (torch + transformers there); one command regenerates every fixture:

    python3 tools/reference/python/reference_run.py --speech SPEECH_DIR --out tools/reference/fixtures/reference

For each architecture it writes the seeded weights as a Hugging Face directory (seeded_weights.py), loads it with
`WhisperForConditionalGeneration.from_pretrained` (and fails if any weight is missing or unexpected), and records on
real recordings (CLIPS below, plus one longer than 30 s built from them):

- the log-mel input from transformers' `WhisperFeatureExtractor` (selected frames and whole-window sums);
- the encoder output (selected frames, and per-layer mean / std / L2 norm of every hidden state);
- decoder logits for a teacher-forced prompt: <|startoftranscript|> [<|lang|> <|transcribe|>] <|notimestamps|> and
  the first tokens of the clip's reference text: top-k ids and values and logsumexp at every position, full rows at
  a few positions for the architectures CI checks;
- token sequences from transformers' own `generate` (greedy; with and without timestamps; language given and
  detected; the long clip through its sequential long-form mode);
- the teacher-forced logits and greedy tokens again in fp16.

Fixtures are gzip'd JSON (one per architecture); arrays are base64 of little-endian float32 / int32, so the
TypeScript side (tools/reference/src/fixtures/) reads them without numpy. Nothing here is tuned for speed: it is
the reference.
"""

from __future__ import annotations

import argparse
import base64
import copy
import dataclasses
import gzip
import hashlib
import json
import logging
import shutil
import sys
import time
import traceback
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seeded_weights as sw  # noqa: E402
import whisper_layouts as wl  # noqa: E402

FIXTURE_VERSION = 1
SEED = 1234
ARCHITECTURES = (
    "tiny", "tiny.en", "base", "small", "medium", "large-v2", "large-v3", "large-v3-turbo", "distil-large-v3",
)
# Checked in CI on the CPU: these get full logit rows and more encoder frames.
CI_ARCHITECTURES = ("tiny", "tiny.en", "base", "small")

# Real 16 kHz recordings from shared/speech (path relative to it, language, reference text from manifest.tsv).
CLIPS = (
    "jfk/jfk.wav",
    "pocketsphinx-testdata/cards/001.wav",
    "pocketsphinx-testdata/librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
    "pocketsphinx-testdata/librivox/sense_and_sensibility_01_austen_64kb-0890.wav",
    "picovoice-leopard-multilingual/test.wav",
    "picovoice-leopard-multilingual/test_de.wav",
    "picovoice-leopard-multilingual/test_es.wav",
    "picovoice-leopard-multilingual/test_fr.wav",
    "picovoice-leopard-multilingual/test_ja.wav",
    "picovoice-leopard-multilingual/test_ko.wav",
)
# The long clip: these recordings back to back (≈ 32.5 s), for long-form decoding.
LONG_CLIP = (
    "jfk/jfk.wav",
    "pocketsphinx-testdata/librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
    "picovoice-leopard-multilingual/test_es.wav",
    "picovoice-leopard-multilingual/test_de.wav",
)
LONG_CLIP_NAME = "long:" + "+".join(LONG_CLIP)

SAMPLE_RATE_HZ = 16_000
N_TEACHER_TEXT_TOKENS = 20
TOP_K = 8
MAX_NEW_TOKENS = 48
MEL_FRAMES = (0, 1, 50, 99, 100, 250, 500, 777, 1000, 1499, 2000, 2999)
ENCODER_FRAMES_CI = (0, 1, 25, 100, 200, 275, 400, 550, 750, 1000, 1250, 1499)
ENCODER_FRAMES_LARGE = (0, 1, 100, 250, 500, 1000, 1499)
# Large architectures: encoder frames for these clips only (index into CLIPS + the long clip last).
ENCODER_CLIPS_LARGE = (0, 5, 8, 10)
FULL_ROW_POSITIONS = (3, 12, 23)
# The whole encoder output [1500, d_model] of the first clip is stored for these (1500 × 384 floats = 2.3 MB for tiny).
FULL_ENCODER_ARCHITECTURES = ("tiny",)


# --- small helpers ------------------------------------------------------------------------------------------------

def f32(array) -> str:
    """Base64 of the values as little-endian float32, row-major."""
    return base64.b64encode(np.ascontiguousarray(np.asarray(array, dtype="<f4")).tobytes()).decode("ascii")


def i32(array) -> str:
    """Base64 of the values as little-endian int32, row-major."""
    return base64.b64encode(np.ascontiguousarray(np.asarray(array, dtype="<i4")).tobytes()).decode("ascii")


def read_wav_16k(path: Path) -> np.ndarray:
    """A 16-bit PCM mono 16 kHz WAV as float32 / 32768 (what the TypeScript WAV reader returns for it)."""
    with wave.open(str(path), "rb") as w:
        if w.getframerate() != SAMPLE_RATE_HZ or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f"[read_wav_16k] expected 16 kHz mono s16: {path}")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / np.float32(32768)


def manifest_rows(speech: Path) -> dict[str, dict[str, str]]:
    lines = (speech / "manifest.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return {row["path"]: row for row in (dict(zip(header, line.split("\t"))) for line in lines[1:])}


def load_clips(speech: Path) -> list[dict]:
    rows = manifest_rows(speech)
    clips = []
    for rel in CLIPS:
        samples = read_wav_16k(speech / rel)
        clips.append({"name": rel, "lang": rows[rel]["lang"], "text": rows[rel]["reference"], "samples": samples})
    long_samples = np.concatenate([read_wav_16k(speech / rel) for rel in LONG_CLIP])
    long_text = " ".join(rows[rel]["reference"] for rel in LONG_CLIP)
    clips.append({"name": LONG_CLIP_NAME, "lang": "en", "text": long_text, "samples": long_samples})
    for clip in clips:
        clip["sha256"] = hashlib.sha256(clip["samples"].astype("<f4").tobytes()).hexdigest()
    return clips


class WarningCollector(logging.Handler):
    """Collects transformers' warnings so a fixture can state that loading produced none."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


# --- one architecture ---------------------------------------------------------------------------------------------

def teacher_prompt(tokenizer, tokens: wl.SpecialTokens, clip: dict) -> list[int]:
    """<|startoftranscript|> [<|lang|> <|transcribe|>] <|notimestamps|> + the first words of the reference text."""
    prefix = [tokens.sot]
    if tokens.multilingual:
        lang = clip["lang"] if clip["lang"] in tokens.languages else "en"
        prefix += [tokens.language_id(lang), tokens.transcribe]
    prefix.append(tokens.no_timestamps)
    text_ids = tokenizer.encode(" " + clip["text"].strip(), add_special_tokens=False)
    return prefix + text_ids[:N_TEACHER_TEXT_TOKENS]


def logits_record(logits, positions_full: tuple[int, ...]) -> dict:
    """top-k and logsumexp at every position; full rows at positions_full. logits: [T, V] float32 numpy."""
    order = np.argsort(-logits, axis=-1, kind="stable")[:, :TOP_K]
    top_values = np.take_along_axis(logits, order, axis=-1)
    peak = logits.max(axis=-1, keepdims=True)
    lse = (peak[:, 0] + np.log(np.exp(logits - peak).sum(axis=-1))).astype(np.float32)
    record = {
        "shape": list(logits.shape),
        "topk_ids": i32(order),
        "topk_values": f32(top_values),
        "logsumexp": f32(lse),
        "l2": float(np.linalg.norm(logits.astype(np.float64))),
    }
    if positions_full:
        valid = [p for p in positions_full if p < logits.shape[0]]
        record["full_rows"] = {"positions": valid, "values": f32(logits[valid])}
    return record


def generated(sequences) -> list[list[int]]:
    tensor = sequences["sequences"] if isinstance(sequences, dict) else getattr(sequences, "sequences", sequences)
    return [[int(t) for t in row] for row in tensor.tolist()]


def run_architecture(arch: str, clips: list[dict], work: Path, assets: Path, torch, transformers, log) -> dict:
    d = sw.architecture(arch)
    tokens = wl.SpecialTokens(d.n_vocab)
    ci = arch in CI_ARCHITECTURES
    model_dir = work / arch
    timings = {}

    t0 = time.perf_counter()
    wl.write_layout("hf", model_dir, arch=arch, seed=SEED, dtype="f32", assets_dir=assets)
    timings["write_weights_s"] = time.perf_counter() - t0
    safetensors_sha256 = None
    if ci:
        safetensors_sha256 = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()

    collector = WarningCollector()
    logging.getLogger("transformers").addHandler(collector)
    t0 = time.perf_counter()
    model, loading_info = transformers.WhisperForConditionalGeneration.from_pretrained(
        model_dir, output_loading_info=True, dtype=torch.float32
    )
    logging.getLogger("transformers").removeHandler(collector)
    problems = {k: list(v) for k, v in loading_info.items() if v}
    if problems:
        raise RuntimeError(f"[{arch}] from_pretrained reported {problems}")
    model = model.to("cuda").eval()
    timings["load_s"] = time.perf_counter() - t0
    # fp16 runs use a converted copy: converting in place and back would round the fp32 model's weights.
    models = {"f32": model, "f16": copy.deepcopy(model).half()}
    dtypes = {"f32": torch.float32, "f16": torch.float16}
    tokenizer = transformers.WhisperTokenizer.from_pretrained(model_dir)
    extractor = transformers.WhisperFeatureExtractor.from_pretrained(model_dir)

    short = [c for c in clips if c["name"] != LONG_CLIP_NAME]
    long_clip = next(c for c in clips if c["name"] == LONG_CLIP_NAME)
    # One 30 s window per clip (the long clip is trimmed to its first window here, as the feature extractor does).
    features = extractor([c["samples"] for c in clips], sampling_rate=SAMPLE_RATE_HZ, return_tensors="np")
    mel = features["input_features"].astype(np.float32)  # [N, n_mels, 3000]

    record: dict = {
        "version": FIXTURE_VERSION,
        "arch": arch,
        "seed": SEED,
        "dims": dataclasses.asdict(d),
        "safetensors_sha256": safetensors_sha256,
        "loading_warnings": collector.messages,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": torch.cuda.get_device_name(0),
        "clips": [{"name": c["name"], "lang": c["lang"], "n_samples": int(c["samples"].size), "sha256": c["sha256"]}
                  for c in clips],
        "mel": {"frames": list(MEL_FRAMES), "values": f32(mel[:, :, list(MEL_FRAMES)]),
                "sums": f32(mel.astype(np.float64).sum(axis=(1, 2))), "shape": list(mel.shape)},
    }

    # Encoder output and per-layer statistics, fp32.
    frames = ENCODER_FRAMES_CI if ci else ENCODER_FRAMES_LARGE
    encoder_clips = list(range(len(clips))) if ci else list(ENCODER_CLIPS_LARGE)
    with torch.no_grad():
        inputs = torch.from_numpy(mel).to("cuda")
        t0 = time.perf_counter()
        enc = model.model.encoder(inputs, output_hidden_states=True)
        torch.cuda.synchronize()
        timings["encode_s"] = time.perf_counter() - t0
        hidden = enc.last_hidden_state.float().cpu().numpy()
        stats = np.stack([
            np.stack([h.double().mean(dim=(1, 2)).cpu().numpy(), h.double().std(dim=(1, 2)).cpu().numpy(),
                      h.double().flatten(1).norm(dim=1).cpu().numpy()], axis=-1)
            for h in enc.hidden_states
        ], axis=1)  # [N, layers + 1, 3]
    record["encoder"] = {"frames": list(frames), "clips": encoder_clips,
                         "values": f32(hidden[np.ix_(encoder_clips, list(frames))]),
                         "layer_stats": f32(stats), "n_layers_plus_one": len(enc.hidden_states),
                         **({"full_first_clip": f32(hidden[0])} if arch in FULL_ENCODER_ARCHITECTURES else {}),
                         "shape": list(hidden.shape)}

    # Teacher-forced logits, fp32 and fp16.
    record["teacher_forced"] = {}
    prompts = [teacher_prompt(tokenizer, tokens, c) for c in clips]
    for precision, m in models.items():
        dtype = dtypes[precision]
        rows = []
        with torch.no_grad():
            enc_out = m.model.encoder(inputs.to(dtype)).last_hidden_state
            for i, prompt in enumerate(prompts):
                ids = torch.tensor([prompt], device="cuda")
                out = m(encoder_outputs=(enc_out[i:i + 1],), decoder_input_ids=ids)
                logits = out.logits[0].float().cpu().numpy()
                full = FULL_ROW_POSITIONS if (ci and i == 0) else ()
                rows.append({"prompt": prompt, **logits_record(logits, full)})
        record["teacher_forced"][precision] = rows

    # transformers' own generate: greedy, timestamps on/off, language given/detected.
    gen = {}
    batch_short = torch.from_numpy(mel[: len(short)]).to("cuda")
    common = {"max_new_tokens": MAX_NEW_TOKENS, "num_beams": 1, "do_sample": False}
    variants = {"notimestamps": {"return_timestamps": False}, "timestamps": {"return_timestamps": True}}
    for precision, m in models.items():
        dtype = dtypes[precision]
        for variant, extra in variants.items():
            with torch.no_grad():
                kwargs = dict(common, **extra)
                if tokens.multilingual:
                    langs = [c["lang"] if c["lang"] in tokens.languages else "en" for c in short]
                    given = generated(m.generate(batch_short.to(dtype), language=langs, task="transcribe", **kwargs))
                    detected = generated(m.generate(batch_short.to(dtype), task="transcribe", **kwargs))
                else:
                    given = generated(m.generate(batch_short.to(dtype), **kwargs))
                    detected = None
            gen[f"{precision}/{variant}/language_given"] = given
            if detected is not None:
                gen[f"{precision}/{variant}/language_detected"] = detected
    record["generate"] = {"max_new_tokens": MAX_NEW_TOKENS, "sequences": gen}

    # Language detection probabilities on the first window (what a vote over windows builds on).
    if tokens.multilingual:
        with torch.no_grad():
            enc_out = model.model.encoder(batch_short).last_hidden_state
            ids = torch.full((len(short), 1), tokens.sot, device="cuda")
            logits = model(encoder_outputs=(enc_out,), decoder_input_ids=ids).logits[:, 0].float()
            lang_ids = [tokens.language_id(code) for code in tokens.languages]
            probs = torch.softmax(logits[:, lang_ids], dim=-1).cpu().numpy()
        record["language_probs"] = {"languages": list(tokens.languages), "values": f32(probs)}

    # Long-form: the whole long clip through transformers' sequential long-form generate.
    long_features = extractor(long_clip["samples"], sampling_rate=SAMPLE_RATE_HZ, return_tensors="pt",
                              truncation=False, padding="longest", return_attention_mask=True)
    with torch.no_grad():
        kwargs = {"return_timestamps": True, "num_beams": 1, "do_sample": False, "temperature": 0.0,
                  "condition_on_prev_tokens": False, "return_segments": True}
        if tokens.multilingual:
            kwargs.update(language="en", task="transcribe")
        out = model.generate(long_features["input_features"].to("cuda"),
                             attention_mask=long_features["attention_mask"].to("cuda"), **kwargs)
    segments = []
    for seg in (out["segments"][0] if isinstance(out, dict) and "segments" in out else []):
        segments.append({"start": float(seg["start"]), "end": float(seg["end"]),
                         "tokens": [int(t) for t in seg["tokens"].tolist()]})
    record["long_form"] = {"n_frames": int(long_features["input_features"].shape[-1]),
                           "sequences": generated(out), "segments": segments}
    record["timings"] = timings
    del model, models
    torch.cuda.empty_cache()
    shutil.rmtree(model_dir, ignore_errors=True)
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speech", required=True, type=Path, help="shared/speech (manifest.tsv and the WAVs)")
    parser.add_argument("--assets", type=Path, default=None, help="shared/assets (tokenizer files)")
    parser.add_argument("--out", required=True, type=Path, help="where to write <arch>.json.gz")
    parser.add_argument("--work", type=Path, default=Path("/tmp/verbatim-reference"), help="scratch for weights")
    parser.add_argument("--arch", action="append", choices=ARCHITECTURES, help="default: all nine")
    args = parser.parse_args(argv)

    import torch
    import transformers

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log = logging.getLogger("reference")
    torch.backends.cuda.matmul.allow_tf32 = False  # the reference is plain fp32
    torch.backends.cudnn.allow_tf32 = False
    clips = load_clips(args.speech)
    args.out.mkdir(parents=True, exist_ok=True)
    summary = []
    for arch in args.arch or ARCHITECTURES:
        started = time.perf_counter()
        try:
            record = run_architecture(arch, clips, args.work, args.assets or wl.default_assets_dir(), torch,
                                      transformers, log)
            payload = json.dumps(record, sort_keys=True, separators=(",", ":")).encode("utf-8")
            path = args.out / f"{arch}.json.gz"
            with gzip.GzipFile(path, "wb", mtime=0) as handle:
                handle.write(payload)
            summary.append((arch, "ok", time.perf_counter() - started, path.stat().st_size))
            print(f"{arch}: {json.dumps(record['timings'])}", flush=True)
        except Exception:  # noqa: BLE001 - one architecture's failure must not lose the others' fixtures
            traceback.print_exc()
            summary.append((arch, "FAILED", time.perf_counter() - started, 0))
    print(f"{'arch':<18}{'status':<8}{'seconds':>9}{'bytes':>10}")
    for arch, status, seconds, size in summary:
        print(f"{arch:<18}{status:<8}{seconds:>9.1f}{size:>10}")
    return 0 if all(s[1] == "ok" for s in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
