#!/usr/bin/env python3
"""Check an exported model folder the way a user would run it (GPU machine): transformers loads it as is, its
processor makes the features, its standard generate transcribes.

    python3 tools/train/eval_hf.py --model models/verbatim-demo-tiny --corpus DIR --out $OUT/eval_hf.json \
        [--speech .carry/shared/speech] [--n 1000] [--windows 64]

Reports on the corpus's test split (sentences and voice settings training never saw): WER without timestamps, WER and
timestamp checks (present, never decreasing, |error| of segment bounds) on packed 30 s windows, and, with --speech,
WER per English set of the real recordings (clips of at most 30 s). WER is given after Whisper's own English
normaliser (transformers' EnglishTextNormalizer with english.json) and after textnorm.py's simple one.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import targets as T  # noqa: E402
import textnorm  # noqa: E402
from train import SYNTH, EvalData  # noqa: E402


def read_wav(path: str) -> tuple[np.ndarray, int]:
    with wave.open(path, "rb") as w:
        sr, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"{path}: {8 * width}-bit PCM not handled")
    x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    return x.reshape(-1, ch).mean(axis=1), sr


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--corpus", required=True, help="a finished corpus (its test split is used)")
    p.add_argument("--out", required=True)
    p.add_argument("--speech", default=None, help="shared/speech (manifest.tsv + files)")
    p.add_argument("--english-json", default=None, help="Whisper's english.json (default: beside --assets)")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--windows", type=int, default=64)
    p.add_argument("--dtype", choices=("float32", "float16"), default="float32")
    p.add_argument("--batch", type=int, default=32)
    args = p.parse_args(argv)

    import torch
    import transformers
    from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

    t0 = time.time()
    dtype = getattr(torch, args.dtype)
    model, info = transformers.WhisperForConditionalGeneration.from_pretrained(args.model, output_loading_info=True,
                                                                               dtype=dtype)
    problems = {k: list(v) for k, v in info.items() if v}
    model = model.to("cuda").eval()
    proc = transformers.WhisperProcessor.from_pretrained(args.model)
    tok = proc.tokenizer
    spelling = {}
    if args.english_json and os.path.isfile(args.english_json):
        with open(args.english_json, encoding="utf-8") as f:
            spelling = json.load(f)
    whisper_norm = EnglishTextNormalizer(spelling)

    def wers(refs, hyps):
        r = [whisper_norm(x) for x in refs]
        h = [whisper_norm(x) for x in hyps]
        e = sum(textnorm.edit_distance(a.split(), b.split()) for a, b in zip(r, h))
        n = sum(len(a.split()) for a in r)
        return {"wer_whisper_norm": round(e / max(1, n), 4), "wer_simple_norm": round(textnorm.wer(refs, hyps)[0], 4),
                "words": n}

    def transcribe(audios, timestamps: bool, max_new: int):
        seqs = []
        for i in range(0, len(audios), args.batch):
            feats = proc.feature_extractor(audios[i:i + args.batch], sampling_rate=16000, return_tensors="pt")
            with torch.no_grad():
                out = model.generate(feats["input_features"].to("cuda", dtype), language="en", task="transcribe",
                                     return_timestamps=timestamps, max_new_tokens=max_new)
            t = out["sequences"] if isinstance(out, dict) else getattr(out, "sequences", out)
            seqs += [[int(x) for x in row] for row in t.tolist()]
        return seqs

    tokenizer_dir = args.model
    from bpe import BPE  # noqa: PLC0415

    ev = EvalData(args.corpus, BPE(tokenizer_dir), args.windows)
    items = ev.sets["test"][: args.n]
    report = {"model": os.path.abspath(args.model), "loading_problems": problems, "transformers": transformers.__version__,
              "torch": torch.__version__, "dtype": args.dtype, "device": torch.cuda.get_device_name(0)}
    seqs = transcribe([it["audio"] for it in items], False, 128)
    hyps = tok.batch_decode(seqs, skip_special_tokens=True)
    report["test"] = {"n": len(items), **wers([it["text"] for it in items], hyps),
                      "examples": [{"ref": it["text"], "hyp": h} for it, h in list(zip(items, hyps))[:12]]}
    groups: dict[str, list[int]] = {}
    for i, it in enumerate(items):  # by engine and recording condition, and by condition over all engines
        for key in (it["condition"], "*/" + it["condition"].split("/")[1]):
            groups.setdefault(key, []).append(i)
    report["test_by_condition"] = {k: {"n": len(ix), **wers([items[i]["text"] for i in ix], [hyps[i] for i in ix])}
                                   for k, ix in sorted(groups.items())}
    # every clip's hypothesis, so verbatim's own transcription of the same corpus can be compared clip by clip
    report["test_hypotheses"] = [{"id": it["id"], "hyp": h} for it, h in zip(items, hyps)]
    seqs = transcribe([it["audio"] for it in items[:200]], True, 160)
    has = [T.timestamps_ok(s) for s in seqs]
    report["test_timestamps"] = {"n": len(seqs), "present": sum(a for a, _ in has) / max(1, len(has)),
                                 "increasing": sum(a and b for a, b in has) / max(1, len(has))}
    if ev.windows:
        seqs = transcribe([w["audio"] for w in ev.windows], True, 220)
        refs, hyps, errs, present, mono = [], [], [], 0, 0
        for w, s in zip(ev.windows, seqs):
            a, b = T.timestamps_ok(s)
            present += a
            mono += a and b
            segs = T.parse_timestamped(s)
            hyps.append(" ".join(tok.decode(x[2]) for x in segs))
            refs.append(" ".join(x[2] for x in w["segments"]))
            if len(segs) == len(w["segments"]):
                errs += [abs(x[0] - y[0]) for x, y in zip(segs, w["segments"]) if x[0] is not None]
                errs += [abs(x[1] - y[1]) for x, y in zip(segs, w["segments"]) if x[1] is not None]
        report["windows"] = {"n": len(ev.windows), **wers(refs, hyps), "ts_present": present / len(ev.windows),
                             "ts_increasing": mono / len(ev.windows),
                             "ts_abs_err_s_mean": float(np.mean(errs)) if errs else None,
                             "ts_abs_err_s_median": float(np.median(errs)) if errs else None,
                             "example": {"ref": refs[0], "hyp": hyps[0], "tokens": seqs[0]}}
    if args.speech:
        if SYNTH not in sys.path:
            sys.path.insert(0, SYNTH)
        import dsp  # noqa: PLC0415  (tools/synth)

        by_set: dict[str, list] = {}
        with open(os.path.join(args.speech, "manifest.tsv"), encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if row["lang"] != "en" or not row["path"].endswith(".wav") or float(row["duration_s"]) > 30:
                    continue
                by_set.setdefault(row["set"], []).append(row)
        report["speech"] = {}
        for name, rows in sorted(by_set.items()):
            audios, refs = [], []
            for r in rows:
                x, sr = read_wav(os.path.join(args.speech, r["path"]))
                audios.append(dsp.resample(x, sr, 16000).astype(np.float32) if sr != 16000 else x)
                refs.append(r["reference"])
            hyps = tok.batch_decode(transcribe(audios, False, 128), skip_special_tokens=True)
            report["speech"][name] = {"n": len(rows), **wers(refs, hyps),
                                      "examples": [{"ref": a, "hyp": b} for a, b in list(zip(refs, hyps))[:4]]}
    report["seconds"] = round(time.time() - t0, 1)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    short = {k: ({kk: vv for kk, vv in v.items() if kk not in ("examples", "example")} if isinstance(v, dict) else v)
             for k, v in report.items() if k != "speech"}
    print(json.dumps(short, indent=1))
    for name, v in report.get("speech", {}).items():
        print(f"speech {name}: n={v['n']} WER {v['wer_whisper_norm']:.3f} (whisper norm)")


if __name__ == "__main__":
    main()
