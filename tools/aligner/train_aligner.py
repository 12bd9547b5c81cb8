#!/usr/bin/env python3
"""Train the CTC aligner on the synthetic corpus, export it to ONNX and measure word-boundary errors (GPU machine).

    python3 tools/aligner/train_aligner.py --corpus DIR [--corpus DIR ...] --eval-corpus DIR --out DIR \
        [--budget-s 480] [--seed 1234]

Training: utterances of the corpora's train shards (trimmed to speech by tools/train/corpus.py), each given a random
lead-in and tail of silence (0-0.5 s, digital zero or a faint noise floor) so the model learns where speech starts and
stops, normalised per utterance, batched by padding; character CTC (vocab.json: <pad> = blank, | = word delimiter,
apostrophe, a-z; numbers are spoken as words in the corpus), AdamW, bf16 autocast, linear warm-up then constant,
linearly annealed over the last --anneal-s.

At the end (all in --out): model.onnx (opset 17, input `audio` [batch, samples] float32 at 16 kHz, output
`log_probs` [batch, frames, vocab]; checked against torch with onnxruntime), vocab.json, aligner.pt (weights + config),
results.json: greedy CER on the eval corpus's valid and test splits, and the word-boundary errors of CTC forced
alignment (forced_align.py) on its `align` split (joined single words with exact boundaries), from the ONNX model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = os.path.join(HERE, "..", "train")
SYNTH = os.path.join(HERE, "..", "synth")
for p in (HERE, TRAIN, SYNTH):
    if p not in sys.path:
        sys.path.insert(0, p)

import corpus  # noqa: E402  (tools/train)
import forced_align  # noqa: E402
import shards  # noqa: E402  (tools/synth)
import textgen  # noqa: E402  (tools/synth)
from targets import ctc_text  # noqa: E402  (tools/train)

SR = 16000
VOCAB = ["<pad>", "|", "'"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
INDEX = {c: i for i, c in enumerate(VOCAB)}
BLANK, DELIM = 0, 1


def char_ids(spoken: str) -> list[int]:
    """The CTC target of a text: lower-case letters and apostrophes, | between words; other characters dropped."""
    out = []
    for word in ctc_text(spoken).split():
        ids = [INDEX[c] for c in word if c in INDEX]
        if ids:
            if out:
                out.append(DELIM)
            out += ids
    return out


def word_ids(token: str) -> list[int]:
    return [INDEX[c] for c in ctc_text(textgen.spoken_word(token)) if c in INDEX]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", action="append", default=[])
    p.add_argument("--eval-corpus", required=True, help="its valid/test splits measure CER, its align split boundaries")
    p.add_argument("--out", required=True)
    p.add_argument("--budget-s", type=float, default=480.0, help="training seconds (export and evaluation come after)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--batch", type=int, default=96)
    p.add_argument("--max-seconds", type=float, default=12.0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--anneal-s", type=float, default=90.0)
    p.add_argument("--min-utts", type=int, default=3000)
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--device", default="cuda", help="cuda (the GPU machine) or cpu (a smoke test here)")
    p.add_argument("--no-onnx", action="store_true", help="skip the export; evaluate the torch model (smoke test)")
    p.add_argument("--eval-only", default=None, help="a folder with aligner.pt (and model.onnx): only evaluate it")
    return p.parse_args(argv)


class Pool:
    def __init__(self):
        self.audio: list[np.ndarray] = []
        self.targets: list[list[int]] = []
        self.lock = threading.Lock()

    def load(self, dirs: list[str], stop: threading.Event):
        watcher = corpus.ShardWatcher(dirs, ("train",))
        while not stop.is_set():
            new = watcher.poll()
            if not new:
                if all(corpus.build_done(d) for d in dirs):
                    return
                stop.wait(1.0)
                continue
            for d, name in new:
                entries, audio = corpus.read_shard(d, name)
                a16, recs = corpus.prepare_shard(entries, audio, lambda s: [])
                with self.lock:
                    for r in recs:
                        t = char_ids(r["spoken"])
                        if t and r["n"] <= MAX_SAMPLES[0]:
                            self.audio.append(a16[r["offset"]:r["offset"] + r["n"]])
                            self.targets.append(t)


MAX_SAMPLES = [12 * SR]


def make_batch(pool: Pool, rng: np.random.Generator, B: int, model_mod):
    """Raw rows (lead-in + utterance + tail, zero-padded to the longest), their sample lengths, the CTC targets and
    frame counts. Noise and per-row normalisation are added on the GPU (gpu_prepare)."""
    with pool.lock:
        n = len(pool.audio)
        idx = rng.integers(0, n, B)
        items = [(pool.audio[i], pool.targets[i]) for i in idx]
    pads = (rng.uniform(0, 0.5, (B, 2)) * SR).astype(np.int64)
    lens = np.array([p[0] + a.size + p[1] for (a, _), p in zip(items, pads)], np.int64)
    audio = np.zeros((B, int(lens.max())), np.float16)
    tg, tl = [], []
    for i, ((a, t), p) in enumerate(zip(items, pads)):
        audio[i, p[0]:p[0] + a.size] = a
        tg += t
        tl.append(len(t))
    fl = np.array([model_mod.n_frames(n) for n in lens], np.int64)
    noise = np.where(rng.random(B) < 0.5, 10.0 ** (rng.uniform(-75, -50, B) / 20), 0.0).astype(np.float32)
    return audio, lens, np.array(tg, np.int64), np.array(tl, np.int64), fl, noise


def gpu_prepare(torch, audio, lens, noise, dev):
    """Faint noise over each row's own length, then zero mean / unit variance per row (as the exported model
    does for an unpadded input); padding stays zero."""
    x = torch.from_numpy(audio).to(dev, non_blocking=True).float()
    n = torch.from_numpy(lens).to(dev)
    valid = (torch.arange(x.shape[1], device=dev)[None, :] < n[:, None]).float()
    x = (x + torch.from_numpy(noise).to(dev)[:, None] * torch.randn_like(x)) * valid
    mean = x.sum(1, keepdim=True) / n[:, None]
    var = (((x - mean) * valid) ** 2).sum(1, keepdim=True) / n[:, None]
    return (x - mean) / torch.sqrt(var + 1e-7) * valid


def greedy(log_probs: np.ndarray) -> str:
    out, prev = [], -1
    for i in log_probs.argmax(-1):
        if i != prev and i != BLANK:
            out.append(" " if i == DELIM else VOCAB[i])
        prev = i
    return " ".join("".join(out).split())


def edit_distance(a, b) -> int:
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[len(b)]


def main(argv=None):
    args = parse_args(argv)
    import torch
    import model as M

    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "aligner_log.jsonl"), "a", encoding="utf-8")

    def say(kind, **kw):
        rec = {"kind": kind, "t": round(time.time() - t0, 1), **kw}
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(f"[aligner {kind}] " + json.dumps(kw)[:400], flush=True)

    if args.eval_only:
        ck = torch.load(os.path.join(args.eval_only, "aligner.pt"), map_location="cpu")
        cpu = M.Aligner(len(VOCAB), **{k: v for k, v in ck["config"].items() if k != "vocab"})
        cpu.load_state_dict(ck["state"])
        cpu.eval()
        onnx_path = os.path.join(args.eval_only, "model.onnx")
        res = evaluate(args, cpu, None if args.no_onnx or not os.path.isfile(onnx_path) else onnx_path, say)
        with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
        say("done", **{k: v for k, v in res.items() if k != "examples"})
        return
    MAX_SAMPLES[0] = int(args.max_seconds * SR)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    dev = torch.device(args.device)
    pool = Pool()
    stop = threading.Event()
    loader = threading.Thread(target=pool.load, args=(list(args.corpus), stop), daemon=True)
    loader.start()
    while len(pool.audio) < args.min_utts and loader.is_alive():
        time.sleep(0.5)
    say("pool", utts=len(pool.audio), waited_s=round(time.time() - t0, 1))

    model = M.Aligner(len(VOCAB)).to(dev)
    say("model", params=sum(p.numel() for p in model.parameters()), config=model.config)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    train_end = t0 + args.budget_s
    step, acc = 0, []
    model.train()
    while time.time() < train_end:
        audio, lens, tg, tl, fl, noise = make_batch(pool, rng, args.batch, M)
        x = gpu_prepare(torch, audio, lens, noise, dev)
        T = int(fl.max())
        mask = torch.arange(T, device=dev)[None, :] < torch.from_numpy(fl).to(dev)[:, None]
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            lp = model(x, mask, normalise=False)
        lp = lp[:, :T]
        loss = torch.nn.functional.ctc_loss(lp.transpose(0, 1), torch.from_numpy(tg).to(dev),
                                            torch.from_numpy(fl).to(dev), torch.from_numpy(tl).to(dev),
                                            blank=BLANK, reduction="mean", zero_infinity=True)
        lr = args.lr * min(1.0, (step + 1) / args.warmup)
        left = train_end - time.time()
        if left < args.anneal_s:
            lr *= 0.05 + 0.95 * max(0.0, left) / args.anneal_s
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        acc.append(loss.detach())
        if step % args.log_every == 0:
            say("train", step=step, loss=round(float(torch.stack(acc).mean()), 4), lr=lr, pool=len(pool.audio))
            acc = []
    stop.set()
    say("trained", steps=step)

    model.eval()
    cpu = M.Aligner(len(VOCAB))
    cpu.load_state_dict({k: v.float().cpu() for k, v in model.state_dict().items()})
    cpu.eval()
    torch.save({"state": cpu.state_dict(), "config": cpu.config, "vocab": VOCAB, "steps": step},
               os.path.join(args.out, "aligner.pt"))
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({c: i for i, c in enumerate(VOCAB)}, f, indent=1)
    onnx_path = None
    if not args.no_onnx:
        onnx_path = os.path.join(args.out, "model.onnx")
        axes = {"audio": {0: "batch", 1: "samples"}, "log_probs": {0: "batch", 1: "frames"}}
        # export() restores the wrapper's mode afterwards, recursively: a wrapper left in training mode would switch
        # the model's dropout back on for the torch comparison below
        wrapper = M.Exported(cpu).eval()
        try:  # the TorchScript exporter: plain opset-17 operators, dynamic batch and length
            torch.onnx.export(wrapper, (torch.zeros(1, 32000),), onnx_path, opset_version=17,
                              input_names=["audio"], output_names=["log_probs"], dynamic_axes=axes, dynamo=False)
        except Exception as e:  # noqa: BLE001 - torch versions without it: the dynamo exporter
            say("warning", message=f"TorchScript export failed ({e}); using dynamo")
            torch.onnx.export(wrapper, (torch.zeros(1, 32000),), onnx_path, opset_version=18,
                              input_names=["audio"], output_names=["log_probs"], dynamic_axes=axes, dynamo=True)
        cpu.eval()
    results = evaluate(args, cpu, onnx_path, say)
    results.update({"steps": step, "train_s": round(args.budget_s, 1), "params": sum(p.numel() for p in cpu.parameters()),
                    "onnx_bytes": os.path.getsize(onnx_path) if onnx_path else None, "config": cpu.config,
                    "seed": args.seed,
                    "corpora": args.corpus, "eval_corpus": args.eval_corpus})
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    say("done", **{k: v for k, v in results.items() if k not in ("config", "examples")})


def boundary_stats(se: np.ndarray, ee: np.ndarray) -> dict:
    """Median and 90th percentile of |error| over word starts and ends together (ms), and each kind's median."""
    if se.size == 0:
        return {}
    both = np.abs(np.concatenate([se, ee]))
    ms = lambda v: round(float(v) * 1000, 1)  # noqa: E731
    return {"words": int(se.size), "median_abs_ms": ms(np.median(both)), "p90_abs_ms": ms(np.percentile(both, 90)),
            "start_median_ms": ms(np.median(se)), "end_median_ms": ms(np.median(ee)),
            "start_median_abs_ms": ms(np.median(np.abs(se))), "end_median_abs_ms": ms(np.median(np.abs(ee)))}


def boundary_errors(align_items: list[dict], log_probs_of):
    """Signed word start and end errors (s) of CTC forced alignment on the joined-word utterances, each word's
    utterance parity, and how many utterances were skipped. `log_probs_of(entry)` gives [frames, vocab]."""
    start_err, end_err, half, skipped = [], [], [], 0
    for k, e in enumerate(align_items):
        words = [word_ids(w["word"]) for w in e["words"]]
        if not all(words):
            skipped += 1
            continue
        try:
            spans = forced_align.align_words(log_probs_of(e), words, DELIM, BLANK)
        except ValueError:
            skipped += 1
            continue
        for (s, t), w in zip(spans, e["words"]):
            start_err.append(s - w["start"] / SR)
            end_err.append(t - w["end"] / SR)
            half.append(k % 2)
    return np.array(start_err), np.array(end_err), np.array(half), skipped


def boundary_report(align_items: list[dict], log_probs_of) -> dict:
    """Raw boundary errors, then one constant offset per boundary kind (where in a word CTC's spikes sit) fitted as
    the median signed error on the even-numbered utterances and reported on the odd-numbered ones, which did not set
    it."""
    se, ee, half, skipped = boundary_errors(align_items, log_probs_of)
    res = {"align_utterances": len(align_items) - skipped, "align_skipped": skipped, "align_words": int(se.size),
           "raw": boundary_stats(se, ee)}
    if se.size:
        fit = half == 0
        off_s, off_e = float(np.median(se[fit])), float(np.median(ee[fit]))
        res["calibration"] = {"start_offset_ms": round(off_s * 1000, 1), "end_offset_ms": round(off_e * 1000, 1),
                              "fitted_on_words": int(fit.sum())}
        res["calibrated_heldout"] = boundary_stats(se[~fit] - off_s, ee[~fit] - off_e)
    return res


def evaluate(args, cpu_model, onnx_path, say) -> dict:
    """CER and boundary errors from the ONNX model (what ships) when there is one, else from the torch model."""
    import torch

    def torch_run(a):
        with torch.no_grad():
            return cpu_model(torch.from_numpy(a), None, normalise=True)[0].numpy()

    run = torch_run
    if onnx_path:
        import onnxruntime as ort

        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        run = lambda a: sess.run(None, {"audio": a})[0][0]  # noqa: E731
    reader = shards.AudioReader(args.eval_corpus)
    res, examples = {}, []
    worst_diff = 0.0
    for split in ("valid", "test"):
        errs, chars = 0, 0
        items = shards.read_manifest(args.eval_corpus, split)[:200]
        for j, e in enumerate(items):
            a = reader.audio(e).astype(np.float32)[None]
            lp = run(a)
            if j < 3 and onnx_path:
                worst_diff = max(worst_diff, float(np.abs(torch_run(a) - lp).max()))
            hyp = greedy(lp)
            ref_text = " ".join(ctc_text(e["spoken"]).replace("0", "").split())
            errs += edit_distance(ref_text, hyp)
            chars += len(ref_text)
            if j < 2:
                examples.append({"split": split, "ref": ref_text, "hyp": hyp})
        res[f"cer_{split}"] = round(errs / max(chars, 1), 4)
        res[f"n_{split}"] = len(items)
    res["onnx_vs_torch_max_abs"] = worst_diff if onnx_path else None
    align_items = shards.read_manifest(args.eval_corpus, "align")
    res.update(boundary_report(align_items, lambda e: run(reader.audio(e).astype(np.float32)[None])))
    res["examples"] = examples
    return res


if __name__ == "__main__":
    main()
