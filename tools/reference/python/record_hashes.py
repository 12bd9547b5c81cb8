#!/usr/bin/env python3
"""Records (or, with --check, verifies) tools/reference/fixtures/weight-hashes.json: the contract between the numpy
and TypeScript generators. The TypeScript test (src/weights/weight-hashes.test.ts) regenerates every entry and
compares; it never runs Python. Re-record only when WEIGHTS.md changes (bump SPEC_VERSION), then commit the file.

    python3 tools/reference/python/record_hashes.py           # rewrite the fixture
    python3 tools/reference/python/record_hashes.py --check   # exit 1 if this machine's numpy disagrees
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import seeded_weights as sw
import whisper_files as wf
import whisper_layouts as wl

SEED = 1234
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "weight-hashes.json"
# Whole HF model.safetensors files, every tensor written: the small architectures, both vocabularies.
FILE_ARCHITECTURES = ("tiny", "tiny.en", "base")
FILE_DTYPES = ("f32", "f16")
# Single tensors of larger architectures (no GBs written): every sinusoid width, a 128-mel conv, the largest tensor.
TENSORS = (
    ("small", "f32", "model.encoder.embed_positions.weight"),
    ("medium", "f32", "model.encoder.embed_positions.weight"),
    ("large-v3", "f32", "model.encoder.embed_positions.weight"),
    ("large-v3", "f32", "model.encoder.conv1.weight"),
    ("large-v3", "f32", "model.encoder.layers.31.final_layer_norm.weight"),
    ("large-v3", "f32", "model.decoder.layers.0.fc1.weight"),
    ("large-v3", "f16", "model.decoder.layers.0.fc1.weight"),
    ("large-v3", "bf16", "model.decoder.layers.0.fc1.weight"),
    ("large-v3", "f32", "model.decoder.embed_tokens.weight"),
    ("large-v3-turbo", "f16", "model.decoder.layers.3.encoder_attn.k_proj.weight"),
    ("distil-large-v3", "f32", "model.decoder.layer_norm.bias"),
)


class _HashWriter:
    def __init__(self) -> None:
        self.hash = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.hash.update(data)


def file_hash(arch: str, dtype: str) -> str:
    writer = _HashWriter()
    wf.stream_safetensors(writer, wl.hf_tensors(arch, SEED, dtype), {"format": "pt"})  # type: ignore[arg-type]
    return writer.hash.hexdigest()


def tensor_hash(arch: str, dtype: str, name: str) -> str:
    digest = hashlib.sha256()
    for chunk in sw.tensor_chunks(SEED, sw.tensor_by_hf_name(arch, name)):
        digest.update(sw.encode(chunk, dtype))
    return digest.hexdigest()


def record() -> dict:
    return {
        "spec_version": sw.SPEC_VERSION,
        "seed": SEED,
        "architectures": {name: dataclasses.asdict(dims) for name, dims in sw.ARCHITECTURES.items()},
        "files": {
            f"{arch}/{dtype}/model.safetensors": file_hash(arch, dtype)
            for arch in FILE_ARCHITECTURES
            for dtype in FILE_DTYPES
        },
        "tensors": {f"{arch}/{dtype}/{name}": tensor_hash(arch, dtype, name) for arch, dtype, name in TENSORS},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed fixture instead of writing it")
    args = parser.parse_args()
    recorded = record()
    if not args.check:
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(wf.dumps_sorted(recorded), encoding="utf-8")
        print(f"wrote {FIXTURE}")
        return 0
    committed = json.loads(FIXTURE.read_text(encoding="utf-8"))
    mismatches = [
        key
        for section in ("files", "tensors")
        for key in sorted(set(committed[section]) | set(recorded[section]))
        if committed[section].get(key) != recorded[section].get(key)
    ]
    for key in mismatches:
        print(f"MISMATCH {key}", file=sys.stderr)
    print(f"{len(mismatches)} mismatches" if mismatches else "all hashes match")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
