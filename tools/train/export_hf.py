#!/usr/bin/env python3
"""Export a packed training checkpoint (ckpt.py) as a Hugging Face Whisper model folder (numpy only; runs anywhere).

    python3 tools/train/export_hf.py --ckpt DIR [--ckpt DIR2 ...] --out models/verbatim-demo-tiny \
        [--assets ../shared/assets] [--alignment-heads '[[2,2],[3,0]]' | --alignment-heads-file heads.json]

Writes exactly the files Hugging Face publishes for openai/whisper-tiny, from tools/reference's writers
(whisper_layouts.py): config.json, generation_config.json, preprocessor_config.json, tokenizer.json,
tokenizer_config.json, vocab.json, merges.txt, and model.safetensors in fp16 with the published tensor names
(proj_out is tied to model.decoder.embed_tokens, so it is not stored). The CTC head of training is left out.

generation_config.json's alignment_heads: the cross-attention heads whose attention follows time. Until deliverable 3
measures them on this model, OpenAI's list for tiny is written as a placeholder (it describes OpenAI's weights, not
ours); pass --alignment-heads to write the measured ones.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "reference", "python")
for p in (HERE, REFERENCE):
    if p not in sys.path:
        sys.path.insert(0, p)

import ckpt  # noqa: E402
import seeded_weights as sw  # noqa: E402
import whisper_files as wf  # noqa: E402
import whisper_layouts as wl  # noqa: E402

ARCH = "tiny"
NAME = "verbatim-demo-tiny"
# Symbols the demo corpus writes (tools/synth/textgen.py: times as "9:57", quoted phrases opening with " '") that
# Whisper's non-speech list suppresses: generate (and verbatim, which reads suppress_tokens) could never produce
# those transcripts, so the demo model's generation_config leaves them out of suppress_tokens.
WRITTEN_SYMBOLS = {25: ":", 922: " '"}
HF_FILES = ("config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json",
            "tokenizer_config.json", "vocab.json", "merges.txt", "model.safetensors")
PROVENANCE_FILES = ("LICENSE.openai-whisper", "PROVENANCE.md")  # the third-party tokenizer's licence and origin


def hf_config(alignment_heads=None) -> tuple[dict, dict, dict]:
    config = wl.config_json(ARCH, "f16")
    config["_name_or_path"] = NAME
    gen = wl.generation_config_json(ARCH)
    gen["suppress_tokens"] = [t for t in gen["suppress_tokens"] if t not in WRITTEN_SYMBOLS]
    if alignment_heads is not None:
        heads = [[int(a), int(b)] for a, b in alignment_heads]
        d = sw.architecture(ARCH)
        for layer, head in heads:
            if not (0 <= layer < d.n_text_layer and 0 <= head < d.n_text_head):
                raise ValueError(f"alignment head {[layer, head]} outside {d.n_text_layer} layers x {d.n_text_head}")
        gen["alignment_heads"] = heads
    return config, gen, wl.preprocessor_config_json(ARCH)


def model_tensors(tensors: dict) -> list[wf.StoredTensor]:
    """The published tensors, in fp16, from the checkpoint's float32 values. Raises if one is missing or misshapen."""
    out, missing = [], []
    for spec in sw.whisper_tensors(ARCH):
        x = tensors.get(spec.hf_name)
        if x is None:
            missing.append(spec.hf_name)
            continue
        if tuple(x.shape) != tuple(spec.shape):
            raise ValueError(f"{spec.hf_name}: checkpoint shape {tuple(x.shape)}, published {spec.shape}")
        data = ckpt.encode(x, "f16")
        out.append(wf.StoredTensor(spec.hf_name, tuple(spec.shape), "f16", (lambda d=data: iter([d]))))
    if missing:
        raise ValueError(f"the checkpoint lacks {len(missing)} tensors (a stage-1 checkpoint has no decoder): "
                         + ", ".join(missing[:6]) + (" ..." if len(missing) > 6 else ""))
    return out


def export(ckpt_dirs, out_dir, assets_dir, alignment_heads=None) -> list[Path]:
    tensors, meta = ckpt.unpack(ckpt_dirs)
    stored = model_tensors(tensors)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config, gen, pre = hf_config(alignment_heads)
    written = []
    for name, obj in (("config.json", config), ("generation_config.json", gen), ("preprocessor_config.json", pre)):
        (out / name).write_text(wf.dumps_sorted(obj), encoding="utf-8")
        written.append(out / name)
    for name, data in wl.tokenizer_files(ARCH, Path(assets_dir)).items():
        wf.write_bytes(out / name, data)
        written.append(out / name)
    # the tokenizer files are OpenAI's: their licence and where they came from travel with them
    licence = Path(assets_dir) / "whisper" / "LICENSE.openai-whisper"
    if not licence.is_file():
        raise FileNotFoundError(f"the tokenizer's licence is missing: {licence}")
    (out / "LICENSE.openai-whisper").write_bytes(licence.read_bytes())
    (out / "PROVENANCE.md").write_text(
        "vocab.json, merges.txt, tokenizer.json, tokenizer_config.json: OpenAI Whisper's multilingual tokenizer (MIT,\n"
        "LICENSE.openai-whisper), as the Hugging Face layout of onnx-community/whisper-base carries it (shared/assets),\n"
        "written by tools/reference's whisper_layouts.py. model.safetensors, config.json, generation_config.json,\n"
        "preprocessor_config.json: trained and written by the verbatim project (tools/train; MIT).\n", encoding="utf-8")
    written += [out / "LICENSE.openai-whisper", out / "PROVENANCE.md"]
    wf.write_safetensors(out / "model.safetensors", stored, {"format": "pt"})
    written.append(out / "model.safetensors")
    return written


def read_safetensors(path) -> dict:
    """name -> float32 array (F16/F32/BF16), for checks."""
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        dt = {"F16": "f16", "F32": "f32", "BF16": "bf16"}[e["dtype"]]
        out[name] = ckpt.decode(data[base + a:base + b], dt, e["shape"])
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", action="append", required=True, help="folder(s) holding ckpt.partNN")
    p.add_argument("--out", required=True)
    p.add_argument("--assets", default=None, help="shared/assets (default: found the way tools/reference finds it)")
    p.add_argument("--alignment-heads", default=None, help="JSON list of [layer, head]")
    p.add_argument("--alignment-heads-file", default=None, help="JSON file with a list of [layer, head]")
    args = p.parse_args(argv)
    heads = None
    if args.alignment_heads:
        heads = json.loads(args.alignment_heads)
    elif args.alignment_heads_file:
        with open(args.alignment_heads_file, encoding="utf-8") as f:
            heads = json.load(f)
    assets = args.assets or str(wl.default_assets_dir())
    files = export(args.ckpt, args.out, assets, heads)
    total = sum(f.stat().st_size for f in files)
    _, meta = ckpt.unpack(args.ckpt, names=())
    print(f"wrote {len(files)} files, {total / 1e6:.1f} MB, to {args.out} (checkpoint step {meta.get('step')}, "
          f"stage {meta.get('stage')}); alignment_heads: {'given' if heads else 'placeholder (OpenAI tiny)'}")


if __name__ == "__main__":
    main()
