#!/usr/bin/env python3
"""Build the synthetic English speech corpus (see README.md in this folder).

    python3 tools/synth/build_corpus.py --out DIR --n-utterances N --seed S --workers K
        [--engines espeak,flite,festival] [--espeak-path DIR] [--flite-path DIR] [--festival-path DIR]
        [--text-root DIR]

Deterministic: the same arguments (seed, sizes, engines, fractions) give byte-identical manifest and shards,
whatever --workers is. The plan (text, voice setting, augmentation of every utterance) is drawn in the main process
from the seed; workers render shards; every random draw in a worker comes from a seed stored in the plan.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time

# One BLAS thread per process: the resampler's small matrix products are several times slower with OpenBLAS's
# thread pool, and the parallelism is in the worker processes anyway. Must be set before numpy is imported.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import alignset  # noqa: E402
import augment  # noqa: E402
import dsp  # noqa: E402
import engines as engines_mod  # noqa: E402
import prose as prose_mod  # noqa: E402
import shards  # noqa: E402
import splits  # noqa: E402
import textgen  # noqa: E402

SR = dsp.SAMPLE_RATE
MAX_SECONDS = 30.0
MIN_SECONDS = 0.05
MIN_PEAK = 1e-4

TEXT_MIX = {"fortune": 0.45, "template": 0.30, "words": 0.25}
ALIGN_TEXT_MIX = {"fortune": 0.5, "words": 0.35, "name_words": 0.15}
SPLIT_ORDER = ["train", "valid", "test", "align"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output folder (created; shards of an earlier build there are removed)")
    p.add_argument("--n-utterances", type=int, required=True, help="utterances over train, valid and test")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--engines", default=None,
                   help="comma list of espeak,flite,festival (default: every engine found on this machine)")
    p.add_argument("--espeak-path", default=None, help="folder made by carry_espeak.sh (GPU machine)")
    p.add_argument("--flite-path", default=None, help="folder with bin/flite and lib/ (carry_espeak.sh --with-flite)")
    p.add_argument("--festival-path", default=None,
                   help="folder with bin/festival, lib/ and share/festival (carry_espeak.sh --with-festival)")
    p.add_argument("--text-root", default=None,
                   help="folder holding games/fortunes/ and dict/ (default /usr/share; carry_espeak.sh copies them)")
    p.add_argument("--n-align", type=int, default=-1,
                   help="alignment-set utterances (joined single words), default n-utterances / 50")
    p.add_argument("--valid-fraction", type=float, default=0.02, help="share of texts held out for validation")
    p.add_argument("--test-fraction", type=float, default=0.05, help="share of texts held out for test")
    p.add_argument("--voice-test-fraction", type=float, default=0.15,
                   help="share of voice buckets (voice+variant+rate+pitch bucket) held out for test")
    p.add_argument("--variant-test-fraction", type=float, default=0.10,
                   help="share of espeak-ng variants held out for test entirely")
    p.add_argument("--augment-prob", type=float, default=0.7, help="probability that an utterance is augmented")
    p.add_argument("--markov-frac", type=float, default=0.0,
                   help="share of training utterances whose text is a new sentence walked from the training "
                        "fortunes' word trigrams (textgen.MarkovText); valid/test texts never are")
    p.add_argument("--examples-frac", type=float, default=0.0,
                   help="share of training utterances whose text is a WordNet usage example (Debian's wordnet-base, "
                        "textgen.load_wordnet_examples): broad everyday English; valid/test texts never are")
    p.add_argument("--prose-frac", type=float, default=0.0,
                   help="share of training utterances whose text is a sentence of English prose packaged in Debian "
                        "(prose.py: handbooks, GNOME's help, Bierce, the World English Bible...; <text root>/prose/"
                        "sentences.txt); valid/test texts never are")
    p.add_argument("--train-text-mix", type=parse_shares, default=None, metavar="KIND=SHARE,...",
                   help="shares of fortune, template and words among training texts that are none of the above "
                        f"(default {','.join(f'{k}={v}' for k, v in TEXT_MIX.items())}, which valid/test always use)")
    p.add_argument("--train-engine-weights", type=parse_shares, default=None, metavar="ENGINE=WEIGHT,...",
                   help="how often each engine voices a training utterance (default: the engines' own weights, "
                        "which valid/test always use)")
    p.add_argument("--augment-prob-test", type=float, default=None,
                   help="the same for the test split (default: --augment-prob)")
    p.add_argument("--babble-pool", type=int, default=24, help="utterances rendered per babble pool")
    p.add_argument("--shard-size", type=int, default=500, help="utterances per shard")
    p.add_argument("--split-salt", default=splits.DEFAULT_SALT,
                   help="salt of the text and voice split hashes (keep the default to agree with other corpora)")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.n_align < 0:
        a.n_align = a.n_utterances // 50
    if a.augment_prob_test is None:
        a.augment_prob_test = a.augment_prob
    if a.examples_frac + a.prose_frac > 1.0:
        p.error("--examples-frac and --prose-frac are shares of the same training utterances: their sum is at most 1")
    if a.train_text_mix is not None and not set(a.train_text_mix) <= set(TEXT_MIX):
        p.error(f"--train-text-mix: unknown kind(s) {sorted(set(a.train_text_mix) - set(TEXT_MIX))}; "
                f"the kinds are {', '.join(TEXT_MIX)}")
    return a


def parse_shares(spec: str) -> dict[str, float]:
    """'a=0.5,b=0.25' -> {'a': 0.5, 'b': 0.25}; shares are relative (normalised where used), at least one > 0."""
    out = {}
    for part in spec.split(","):
        name, eq, value = part.partition("=")
        try:
            share = float(value) if eq else -1.0
        except ValueError:
            share = -1.0
        if not name.strip() or not share >= 0.0 or name.strip() in out:
            raise argparse.ArgumentTypeError(f"expected NAME=SHARE,... with shares >= 0 and each name once, "
                                             f"got {spec!r}")
        out[name.strip()] = share
    if sum(out.values()) <= 0.0:
        raise argparse.ArgumentTypeError(f"at least one share must be above 0, got {spec!r}")
    return out


# ----------------------------------------------------------------------------------------------------------------
# planning


class Planner:
    def __init__(self, args, src: textgen.TextSources, engines: dict, examples: list[str] | None = None,
                 prose: list[str] | None = None):
        self.a = args
        self.src = src
        self.engines = engines
        names = list(engines)
        w = np.array([engines[n].weight for n in names], np.float64)
        self.engine_names, self.engine_p = names, w / w.sum()
        # --train-engine-weights: other engine odds for training utterances only (valid/test keep the engines' own)
        self.train_engine_p = self.engine_p
        if args.train_engine_weights is not None:
            unknown = set(args.train_engine_weights) - set(names)
            if unknown:
                raise ValueError(f"--train-engine-weights names engine(s) {sorted(unknown)} that this build does "
                                 f"not use; the engines here are {', '.join(names)}")
            tw = np.array([args.train_engine_weights.get(n, 0.0) for n in names], np.float64)
            if tw.sum() <= 0.0:
                raise ValueError(f"--train-engine-weights gives every engine of this build ({', '.join(names)}) "
                                 "a weight of 0")
            self.train_engine_p = tw / tw.sum()
        self.fortunes = {c: [] for c in ("train", "valid", "test")}
        for s in src.sentences:
            self.fortunes[self.text_class(s)].append(s)
        self.markov = textgen.MarkovText(self.fortunes["train"]) if args.markov_frac > 0 else None
        # usage examples whose text hashes to the training class only: an example equal to a valid or test sentence
        # hashes as that sentence does, so it cannot leak
        self.examples = [e for e in (examples or []) if self.text_class(e) == "train"]
        if args.examples_frac > 0 and not self.examples:
            raise textgen.MissingResource("--examples-frac needs WordNet's usage examples (none were loaded)")
        # prose sentences likewise, and none sharing a 5-word sequence with a fortune of this build: a held-out
        # fortune quoted inside a longer sentence hashes differently but would still be heard in training
        guard = prose_mod.NgramGuard(src.sentences) if prose else None
        self.prose = [s for s in (prose or []) if self.text_class(s) == "train" and not guard.leaks(s)]
        if args.prose_frac > 0 and not self.prose:
            raise textgen.MissingResource("--prose-frac needs the prose sentences (none were loaded)")

    def text_class(self, text: str) -> str:
        return splits.text_class(text, self.a.valid_fraction, self.a.test_fraction, self.a.split_salt)

    def voice_class(self, v: dict):
        return splits.voice_class(v["bucket"], v["variant"] if v["engine"] == "espeak" else "",
                                  self.a.voice_test_fraction, self.a.variant_test_fraction, self.a.split_salt)

    def text(self, rng, want: str, mix: dict) -> dict:
        kinds = list(mix)
        p = np.array([mix[k] for k in kinds], np.float64)
        kind = kinds[int(rng.choice(len(kinds), p=p / p.sum()))]
        if kind == "markov":  # training texts only (see plan)
            for _ in range(100):
                m = self.markov.sample(rng)
                if m is not None and self.text_class(m) == want:
                    return {"text": m, "spoken": m, "kind": "markov"}
            kind = "fortune"
        if kind == "example":  # training texts only (see plan)
            s = self.examples[int(rng.integers(len(self.examples)))]
            return {"text": s, "spoken": s, "kind": "example"}
        if kind == "prose":  # training texts only (see plan)
            s = self.prose[int(rng.integers(len(self.prose)))]
            return {"text": s, "spoken": s, "kind": "prose"}
        if kind == "fortune" and self.fortunes[want]:
            pool = self.fortunes[want]
            s = pool[int(rng.integers(len(pool)))]
            return {"text": s, "spoken": s, "kind": "fortune"}
        if kind == "fortune":
            kind = "words"
        for _ in range(10000):
            t = textgen.sample_text(rng, self.src, kind)
            if self.text_class(t["text"]) == want:
                return t
        raise RuntimeError(f"could not draw a {want} text of kind {kind}")

    def voice(self, rng, want: str, engine_p=None) -> dict:
        p = self.engine_p if engine_p is None else engine_p
        order = [self.engine_names[int(rng.choice(len(self.engine_names), p=p))]]
        order += [n for n in self.engine_names if n != order[0]]
        for name in order:
            eng = self.engines[name]
            for _ in range(2000):
                v = eng.sample(rng)
                cls, why = self.voice_class(v)
                if cls == want:
                    v["heldout"] = why
                    return v
        raise RuntimeError(f"no {want} voice setting in engines {self.engine_names}")

    def plan(self) -> list[dict]:
        a = self.a
        items = []
        p_split = np.array([1.0 - a.valid_fraction - a.test_fraction, a.valid_fraction, a.test_fraction])
        for i in range(a.n_utterances):
            rng = np.random.default_rng([a.seed, 0, i])
            split = ["train", "valid", "test"][int(rng.choice(3, p=p_split / p_split.sum()))]
            # --markov-frac: some training texts become new sentences walked from the training fortunes'
            # trigrams (no random draw at all when 0, so corpora built without it are unchanged)
            markov = split == "train" and a.markov_frac > 0 and rng.random() < a.markov_frac
            # --examples-frac and --prose-frac likewise, from one draw: below examples-frac a WordNet usage example,
            # then prose up to their sum (no draw when both are 0, and the same draw and outcome as before when
            # prose-frac is 0: older corpora unchanged)
            u = (rng.random() if split == "train" and not markov and (a.examples_frac > 0 or a.prose_frac > 0)
                 else 1.0)
            example = u < a.examples_frac
            prose = not example and u < a.examples_frac + a.prose_frac
            mix = ({"markov": 1.0} if markov else {"example": 1.0} if example else {"prose": 1.0} if prose
                   else a.train_text_mix if split == "train" and a.train_text_mix is not None else TEXT_MIX)
            t = self.text(rng, splits.TEXT_CLASS_OF_SPLIT[split], mix)
            v = self.voice(rng, splits.VOICE_CLASS_OF_SPLIT[split],
                           self.train_engine_p if split == "train" else None)
            aug = augment.sample_chain(rng, a.augment_prob_test if split == "test" else a.augment_prob)
            items.append({"id": f"u{i:07d}", "split": split, "text": t["text"], "spoken": t["spoken"],
                          "text_kind": t["kind"], "voice": v, "augment": aug})
        for j in range(a.n_align):
            rng = np.random.default_rng([a.seed, 1, j])
            t = self.text(rng, "test", ALIGN_TEXT_MIX)
            v = self.voice(rng, "test")
            tokens = textgen.word_tokens(t["text"])
            items.append({"id": f"a{j:06d}", "split": "align", "text": t["text"], "spoken": t["spoken"],
                          "text_kind": t["kind"], "voice": v,
                          "augment": [{"op": "gain", "peak_dbfs": round(float(rng.uniform(-20.0, -1.0)), 2)}],
                          "layout": alignset.draw_layout(rng, len(tokens))})
        return items

    def babble_items(self, cls: str, n: int) -> list[dict]:
        out = []
        for k in range(n):
            rng = np.random.default_rng([self.a.seed, 2, 0 if cls == "train" else 1, k])
            t = self.text(rng, cls, {"fortune": 1.0})
            v = self.voice(rng, cls)
            out.append({"id": f"babble-{cls}-{k}", "split": "babble", "text": t["text"], "spoken": t["spoken"],
                        "text_kind": t["kind"], "voice": v, "augment": []})
        return out


# ----------------------------------------------------------------------------------------------------------------
# rendering (in workers)

_CTX: dict = {}


def _init_worker(engine_names, espeak_path, flite_path, festival_path, out_dir):
    _CTX["engines"] = engines_mod.make_engines(engine_names, espeak_path, flite_path, festival_path)
    _CTX["babble"] = {}
    for cls in ("train", "test"):
        p = os.path.join(out_dir, f"babble-{cls}.npy") if out_dir else None
        if p and os.path.isfile(p):
            _CTX["babble"][cls] = list(np.load(p, allow_pickle=True))
    _CTX["out"] = out_dir


def _render16k(engine, text: str, voice: dict):
    x, sr = engine.render(text, voice)
    if x.size < MIN_SECONDS * sr or float(np.max(np.abs(x))) < MIN_PEAK:
        return None, sr
    return dsp.resample(x, sr, SR), sr


def render_item(item: dict):
    """(entry, audio) or (None, reason) for a plan item."""
    eng = _CTX["engines"][item["voice"]["engine"]]
    entry = {k: v for k, v in item.items() if k != "layout"}
    if item["split"] == "align":
        tokens = textgen.word_tokens(item["text"])
        renders = []
        for tok in tokens:
            y, sr = _render16k(eng, textgen.spoken_word(tok), item["voice"])
            if y is None:
                return None, "empty"
            renders.append(y)
        joined = alignset.join_words(tokens, renders, item["layout"])
        if joined is None:
            return None, "empty"
        y, words, gaps = joined
        entry.update({"words": words, "gaps": gaps, "layout": item["layout"], "engine_sample_rate": sr})
    else:
        y, sr = _render16k(eng, item["spoken"], item["voice"])
        if y is None:
            return None, "empty"
        entry["engine_sample_rate"] = sr
    if y.size > MAX_SECONDS * SR:
        return None, "too_long"
    pool_cls = "test" if item["split"] in ("test", "align") else "train"
    y = augment.apply_chain(y, item["augment"], _CTX["babble"].get(pool_cls))
    return entry, y


def render_shard(task):
    name, items = task
    for e in _CTX["engines"].values():
        e.reset()  # a shard's audio must not depend on what the worker rendered before it
    w = shards.ShardWriter(_CTX["out"], name)
    dropped = {}
    for it in items:
        entry, y = render_item(it)
        if entry is None:
            why = f"{y}:{it['voice']['engine']}"
            dropped[why] = dropped.get(why, 0) + 1
            continue
        w.add(entry, y)
    s = w.close()
    s["dropped"] = dropped
    return s


def render_babble(item):
    eng = _CTX["engines"][item["voice"]["engine"]]
    y, _ = _render16k(eng, item["spoken"], item["voice"])
    return None if y is None else augment.set_peak(y.astype(np.float64), -6.0).astype(np.float32)


# ----------------------------------------------------------------------------------------------------------------


def build(args) -> dict:
    t0 = time.time()
    log = (lambda *m: None) if args.quiet else (lambda *m: print(*m, file=sys.stderr, flush=True))
    names = [n.strip() for n in args.engines.split(",")] if args.engines else None
    try:
        engines = engines_mod.make_engines(names, args.espeak_path, args.flite_path, args.festival_path, check=True)
        src = textgen.TextSources.load(args.text_root)
        examples = (textgen.load_wordnet_examples(textgen.find_wordnet_dir(args.text_root))
                    if args.examples_frac > 0 else None)
        prose = prose_mod.load_prose(prose_mod.find_prose_dir(args.text_root)) if args.prose_frac > 0 else None
        planner = Planner(args, src, engines, examples, prose)
    except (engines_mod.EngineMissing, textgen.MissingResource, ValueError) as e:
        raise SystemExit(f"build_corpus: {e}")
    engine_names = list(engines)
    log(f"engines: {', '.join(f'{n} ({len(e.identities())} voices)' for n, e in engines.items())}; "
        f"{len(src.sentences)} fortune sentences, {len(src.words)} words"
        + (f", {len(planner.examples)} usage examples for training" if args.examples_frac > 0 else "")
        + (f", {len(planner.prose)} prose sentences for training" if args.prose_frac > 0 else ""))
    items = planner.plan()
    os.makedirs(args.out, exist_ok=True)
    sdir = os.path.join(args.out, "shards")
    if os.path.isdir(sdir):  # shards of an earlier build in the same folder must not outlive it
        for f in os.listdir(sdir):
            if f.endswith((".f16", ".jsonl", ".part")):
                os.unlink(os.path.join(sdir, f))
    init = (engine_names, args.espeak_path, args.flite_path, args.festival_path, args.out)

    def run(fn, tasks, init_out):
        if args.workers <= 1:
            _init_worker(*init_out)
            for t in tasks:
                yield fn(t)
        else:
            with mp.get_context("fork").Pool(args.workers, _init_worker, init_out) as pool:
                yield from pool.imap(fn, tasks)

    # babble pools: clean renders of the split's own texts and voices
    for cls in ("train", "test"):
        bitems = planner.babble_items(cls, args.babble_pool)
        pool = [y for y in run(render_babble, bitems, init[:4] + (None,)) if y is not None]
        arr = np.empty(len(pool), dtype=object)
        arr[:] = pool
        np.save(os.path.join(args.out, f"babble-{cls}.npy"), arr, allow_pickle=True)
    log(f"babble pools rendered ({time.time() - t0:.1f} s)")

    tasks = []
    for split in SPLIT_ORDER:
        sel = [it for it in items if it["split"] == split]
        for k in range(0, len(sel), args.shard_size):
            tasks.append((f"{split}-{k // args.shard_size:05d}", sel[k:k + args.shard_size]))
    summaries = []
    done = 0
    t1 = time.time()
    for s in run(render_shard, tasks, init):
        summaries.append(s)
        done += s["utterances"] + sum(s["dropped"].values())
        log(f"{s['name']}: {s['utterances']} utterances, {s['hours'] * 60:.1f} min  "
            f"[{done}/{len(items)}, {done / max(1e-9, time.time() - t1):.1f} utt/s]")
    summaries.sort(key=lambda s: [t[0] for t in tasks].index(s["name"]))
    with open(os.path.join(args.out, "manifest.jsonl.part"), "w", encoding="utf-8") as out:
        for s in summaries:
            with open(os.path.join(args.out, "shards", s["name"] + ".jsonl"), encoding="utf-8") as f:
                out.write(f.read())
    os.replace(os.path.join(args.out, "manifest.jsonl.part"), os.path.join(args.out, "manifest.jsonl"))
    counts = {}
    for s in summaries:
        split = s["name"].rsplit("-", 1)[0]
        c = counts.setdefault(split, {"utterances": 0, "hours": 0.0, "dropped": {}})
        c["utterances"] += s["utterances"]
        c["hours"] = round(c["hours"] + s["hours"], 5)
        for k, v in s["dropped"].items():
            c["dropped"][k] = c["dropped"].get(k, 0) + v
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "workers", "quiet", "espeak_path",
                                                                  "flite_path", "festival_path", "text_root")}
    corpus = {"format": "verbatim-synth-1", "sample_rate": SR, "pcm": "float16 little-endian mono",
              "settings": settings, "engines": [e.describe() for e in engines.values()],
              "texts": {"fortune_sentences": len(src.sentences), "words": len(src.words),
                        "common_words": len(src.common)},
              "splits": counts, "shards": summaries}
    with open(os.path.join(args.out, "corpus.json"), "w", encoding="utf-8") as f:
        json.dump(corpus, f, indent=1, sort_keys=True)
    elapsed = time.time() - t0
    n = sum(c["utterances"] for c in counts.values())
    n_dropped = sum(sum(c["dropped"].values()) for c in counts.values())
    if n_dropped > 0.02 * max(1, len(items)):
        log(f"WARNING: {n_dropped} of {len(items)} utterances dropped: "
            + json.dumps({k: c["dropped"] for k, c in counts.items()}))
    hours = sum(c["hours"] for c in counts.values())
    stats = {"seconds": round(elapsed, 2), "render_seconds": round(time.time() - t1, 2), "workers": args.workers,
             "utterances": n, "hours": round(hours, 4), "utterances_per_s": round(n / elapsed, 2),
             "audio_s_per_s": round(hours * 3600 / elapsed, 1)}
    with open(os.path.join(args.out, "build_stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=1)
    log(f"done: {n} utterances, {hours:.3f} h in {elapsed:.1f} s ({stats['utterances_per_s']} utt/s, "
        f"{stats['audio_s_per_s']} s of audio per s) -> {args.out}")
    return corpus


def main(argv=None):
    build(parse_args(argv))


if __name__ == "__main__":
    main()
