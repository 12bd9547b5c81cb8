#!/usr/bin/env python3
"""Word-boundary errors of CTC forced alignment from log-probabilities computed elsewhere — by the shipped ONNX model
under onnxruntime-node (tools/demo-eval/src/aligner-log-probs.mjs), so the number describes what users run.

    python3 tools/aligner/score_log_probs.py --corpus ALIGN_CORPUS --log-probs DIR [--alignment-json F] [--out F]

DIR holds log_probs.f32 (float32, utterances back to back, [frames, vocab] each) and index.jsonl ({id, frames, vocab,
offset} per utterance, offset in floats). Reports the raw errors, the held-out errors after offsets fitted on the even
utterances (as train_aligner.py does), and, with --alignment-json (the model folder's alignment.json), the errors after
the shipped offsets on the odd utterances (which did not set them) and on all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SYNTH = os.path.join(HERE, "..", "synth")
for p in (HERE, SYNTH):
    if p not in sys.path:
        sys.path.insert(0, p)

import shards  # noqa: E402  (tools/synth)
import train_aligner as ta  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True)
    p.add_argument("--log-probs", required=True)
    p.add_argument("--alignment-json", default=None)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)

    data = np.fromfile(os.path.join(args.log_probs, "log_probs.f32"), dtype="<f4")
    with open(os.path.join(args.log_probs, "index.jsonl"), encoding="utf-8") as f:
        index = {r["id"]: r for r in map(json.loads, f) if r}
    items = [e for e in shards.read_manifest(args.corpus, "align") if e["id"] in index]
    if not items:
        raise SystemExit(f"no utterance of {args.corpus}'s align split has log-probabilities in {args.log_probs}")

    def log_probs_of(e):
        r = index[e["id"]]
        return data[r["offset"]:r["offset"] + r["frames"] * r["vocab"]].reshape(r["frames"], r["vocab"])

    res = {"corpus": os.path.abspath(args.corpus), "log_probs": os.path.abspath(args.log_probs),
           **ta.boundary_report(items, log_probs_of)}
    if args.alignment_json:
        with open(args.alignment_json, encoding="utf-8") as f:
            shipped = json.load(f)["boundary_offsets_ms"]
        se, ee, half, _ = ta.boundary_errors(items, log_probs_of)
        se, ee = se - shipped["start"] / 1000, ee - shipped["end"] / 1000
        odd = half == 1  # the shipped offsets were fitted on the even utterances of the joined-word set
        res["shipped_offsets"] = {"offsets_ms": shipped, "heldout_odd": ta.boundary_stats(se[odd], ee[odd]),
                                  "all": ta.boundary_stats(se, ee)}
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
