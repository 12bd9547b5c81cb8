"""Hash-based splits by text and by voice setting.

A text's class and a voice setting's class are fixed functions of the text / setting and a salt (default
``verbatim-synth-v1``), never of the corpus seed or size: corpora built with different seeds, sizes or engines agree
on which sentences and which voice buckets are held out, so a model trained on one corpus can be tested on another.

- text class: u = H("text", normalised text) in [0, 1); 'test' if u < test_fraction, 'valid' if
  u < test_fraction + valid_fraction, else 'train'. The normalised text is lower case with everything but letters,
  digits and spaces removed, so "Hello, world." and "hello world" are the same text.
- voice class: a voice setting belongs to a bucket, engine + voice + variant + rate bucket + pitch bucket (see
  engines.py). It is 'test' if H("bucket", bucket) < bucket_test_fraction, or if its espeak-ng variant is held out
  as a whole (H("variant", variant) < variant_test_fraction: those timbres are never heard in training), else
  'train'.
- utterance split: 'train' = train text x train voice; 'valid' = valid text x train voice (unseen sentences, seen
  voices: for validation during training); 'test' and 'align' = test text x test voice (unseen sentences, unseen
  voice settings).
H is the first 8 bytes of SHA-256 over salt|kind|key, as an integer divided by 2^64.
"""

from __future__ import annotations

import hashlib
import re

DEFAULT_SALT = "verbatim-synth-v1"


def unit_hash(kind: str, key: str, salt: str = DEFAULT_SALT) -> float:
    d = hashlib.sha256(f"{salt}|{kind}|{key}".encode("utf-8")).digest()
    return int.from_bytes(d[:8], "big") / 2.0 ** 64


def text_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split())


def text_class(text: str, valid_fraction: float, test_fraction: float, salt: str = DEFAULT_SALT) -> str:
    u = unit_hash("text", text_key(text), salt)
    if u < test_fraction:
        return "test"
    if u < test_fraction + valid_fraction:
        return "valid"
    return "train"


def voice_class(bucket: str, variant: str, bucket_test_fraction: float, variant_test_fraction: float,
                salt: str = DEFAULT_SALT) -> tuple[str, str | None]:
    """('test' | 'train', why held out: 'variant', 'bucket' or None)."""
    if variant and unit_hash("variant", variant, salt) < variant_test_fraction:
        return "test", "variant"
    if unit_hash("bucket", bucket, salt) < bucket_test_fraction:
        return "test", "bucket"
    return "train", None


TEXT_CLASS_OF_SPLIT = {"train": "train", "valid": "valid", "test": "test", "align": "test"}
VOICE_CLASS_OF_SPLIT = {"train": "train", "valid": "train", "test": "test", "align": "test"}
