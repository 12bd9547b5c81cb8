#!/usr/bin/env python3
"""Write models/verbatim-demo-tiny/MODEL_CARD.md from the measurements, so that every number in the card comes from a
file a command wrote (issue 5: data, training steps and time, measured results, limits, licence).

    python3 tools/train/model_card.py --model DIR --eval-hf eval_hf.json --speech speech.json --heads heads.json \
        --ckpt CKPT_DIR --gpu-minutes "49 H100 + 124 H200" [--synth-train synth-train.json \
        --synth-test synth-test.json] [--wordnet] [--prose] [--out F]

eval_hf.json: `gpu_run.sh eval-hf` (transformers on the GPU machine); speech.json:
`tools/demo-eval/src/eval-real-speech.mjs`; heads.json: `alignment_heads.py`; synth-*.json:
`tools/demo-eval/src/eval-synth-test.mjs --split train|test` (verbatim, optional); --ckpt: the packed checkpoint
the model was exported from (its meta gives the steps, the runs and, for a weight average, the steps averaged; or
--steps by hand); --gpu-minutes from tools/train/RUNS.md (the checkpoint records wall-clock time, not GPUs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "synth"))

import prose  # noqa: E402  (tools/synth: the prose sources, their titles and licences)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ckpt  # noqa: E402


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def load(path: str | None):
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def conditions_table(by_condition: dict) -> list[str]:
    rows = ["| condition | clips | WER |", "| --- | --- | --- |"]
    for key, v in by_condition.items():
        if key.startswith("*/"):
            rows.append(f"| {key[2:]} | {v['n']} | {pct(v.get('wer_whisper_norm', v.get('wer')))} |")
    return rows


def prose_titles() -> str:
    """The prose sources as the card's data section names them: "title (`package`)", in prose.SOURCES' order."""
    return ", ".join(f"{src.title} (`{src.package}`)" for src in prose.SOURCES.values())


def prose_licences() -> str:
    """The prose sources grouped by licence: "title, title (licence); ..."."""
    by_licence: dict[str, list[str]] = {}
    for src in prose.SOURCES.values():
        by_licence.setdefault(src.licence, []).append(src.title)
    return "; ".join(f"{', '.join(titles)} ({licence})" for licence, titles in by_licence.items())


def training_lines(args) -> list[str]:
    """What the Training section says about steps, runs and averaging: from the checkpoint's meta with --ckpt."""
    gpu = f"GPU time {args.gpu_minutes} GPU-minutes"
    if not args.ckpt:
        return [f"{args.steps} optimizer steps; {gpu} (tools/train/RUNS.md has every run and its command)."]
    meta = ckpt.read_header(args.ckpt)["meta"]
    runs = meta.get("history", {}).get("runs", [])
    hours = ckpt.run_seconds(meta) / 3600
    lines = [f"{int(meta['step']):,} optimizer steps in {len(runs)} runs ({hours:.1f} h of wall-clock time on the GPU",
             f"machine); {gpu} (tools/train/RUNS.md has every run and its command)."]
    averaged = meta.get("averaged_steps")
    if averaged:
        steps = [f"{int(x):,}" for x in averaged]
        listed = ", ".join(steps[:-1]) + f" and {steps[-1]}"
        lines += [f"The weights are the element-wise mean of the checkpoints at steps {listed} (`ckpt.py average`),",
                  "chosen among such means on two valid splits (corpus seeds 777001 and 555001) before the test split was"
                  " read."]
    return lines


def card(args) -> str:
    ev, speech, heads = load(args.eval_hf), load(args.speech), load(args.heads)
    train_eval, test_eval = load(args.synth_train), load(args.synth_test)
    with open(os.path.join(args.model, "generation_config.json"), encoding="utf-8") as f:
        gen = json.load(f)
    size_mb = sum(os.path.getsize(os.path.join(args.model, n)) for n in os.listdir(args.model)) / 1e6
    lines = [
        "# verbatim-demo-tiny — the project's own Whisper model (tiny architecture)",
        "",
        "The default model of verbatim, so that everything works offline: the exact Whisper tiny architecture (d_model",
        "384, 4 + 4 layers, 6 heads, 80 mel bins) with OpenAI's multilingual tokenizer (51,865 tokens), in the Hugging",
        f"Face layout (fp16 safetensors, {size_mb:.1f} MB with the tokenizer files), trained by the verbatim project only on",
        "English speech it synthesized. It is a demonstration model: it has never heard a human voice.",
        "",
        "## Data",
        "",
        "tools/synth: Debian's espeak-ng (many voices and variants), flite and festival at varied rate, pitch and volume;",
        "texts from Debian's fortunes (filtered sentences), templates (numbers, dates, times, money, names), random",
        "`wamerican` words and new sentences walked from the training fortunes' trigrams"
        + ("; WordNet's usage examples (Debian `wordnet-base`)" if args.wordnet else "")
        + (f"; sentences of English prose packaged in Debian ({prose_titles()})" if args.prose else "")
        + "; 70% augmented (white, pink and",
        "babble noise down to 0 dB SNR, reverberation, 8 kHz telephone band, gain, clipping). Whisper's training format:",
        "30 s windows of several utterances, timestamp tokens (60%), previous-text prompts (30%), no-speech windows (4%).",
        "The test split holds sentences and voice settings training never saw (corpus seed 777001).",
        "",
        "## Training",
        "",
        *training_lines(args),
        "Reproduce: the commands in tools/train/README.md (`gpu_run.sh train`, seeded corpora and steps).",
        "",
        "## Results (measured)",
        "",
    ]
    if ev:
        t = ev["test"]
        ts = ev.get("test_timestamps", {})
        w = ev.get("windows", {})
        lines += [
            f"Hugging Face transformers {ev.get('transformers')} loads this folder as is (loading problems:",
            f"{ev.get('loading_problems') or 'none'}) and its standard `generate` (greedy, English) reaches **WER",
            f"{pct(t['wer_whisper_norm'])}** on the {t['n']} held-out test clips after Whisper's English normaliser",
            f"({t['words']} words). Timestamps: present in {pct(ts.get('present'))}, never decreasing in",
            f"{pct(ts.get('increasing'))} of clips; on {w.get('n', 0)} packed 30 s windows WER {pct(w.get('wer_whisper_norm'))},",
            f"segment bounds median |error| {1000 * (w.get('ts_abs_err_s_median') or 0):.1f} ms.",
            "",
            *conditions_table(ev.get("test_by_condition", {})),
            "",
        ]
    if train_eval and test_eval:
        lines += [
            f"Through verbatim (same decoding): test split {pct(test_eval['wer'])}; sentences of the training split in new",
            f"voices {pct(train_eval['wer'])} — the gap is what the model knows by heart.",
            "",
        ]
    if speech:
        lines += [
            "**Real recordings** (shared/speech, English sets; through `verbatim transcribe`'s defaults, language",
            "English) — reported without a target; the model never heard a human voice:",
            "",
            "| set | files | audio s | WER |",
            "| --- | --- | --- | --- |",
            *[f"| {k} | {v['files']} | {v['audioSeconds']:.0f} | {pct(v['wer'])} |" for k, v in speech["sets"].items()],
            f"| all | | | {pct(speech['all'])} |",
            "",
        ]
    if heads:
        lines += [
            f"**Alignment heads** (generation_config.json): {gen.get('alignment_heads')} — measured by",
            f"tools/train/alignment_heads.py on {heads['words']} joined words: median boundary error",
            f"{heads['combined_median_boundary_ms']} ms, {pct(heads['combined_within_100ms'])} within 100 ms.",
            "",
        ]
    lines += [
        "## Limits",
        "",
        "- Synthetic voices only: human speech comes out mostly wrong (see the table above).",
        "- English only, although the tokenizer is multilingual; `translate` was never trained.",
        "- `suppress_tokens` is OpenAI's list minus \":\" and \" '\", which the training transcripts use (times as 9:57).",
        "",
        "## Licence",
        "",
        "MIT, as the rest of verbatim. Trained only on audio synthesized by espeak-ng (GPL-3.0-or-later), flite",
        "(BSD-style) and festival (MIT-style) from texts in Debian's `fortunes`, `fortunes-min` and `wamerican`"
        + (" and WordNet 3.0's usage examples (Princeton University's WordNet licence, permissive)" if args.wordnet else "")
        + (f", and prose sentences from {prose_licences()}" if args.prose else "")
        + "; no",
        "third-party weights. The tokenizer files are OpenAI's (MIT; LICENSE.openai-whisper beside them).",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--eval-hf")
    p.add_argument("--speech")
    p.add_argument("--heads")
    p.add_argument("--synth-train")
    p.add_argument("--synth-test")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--steps", default="?")
    source.add_argument("--ckpt", help="the packed checkpoint the model was exported from (ckpt.py)")
    p.add_argument("--gpu-minutes", default="?")
    p.add_argument("--wordnet", action="store_true",
                   help="training texts included WordNet's usage examples (gpu_run.sh train --examples-frac)")
    p.add_argument("--prose", action="store_true",
                   help="training texts included Debian-packaged prose (gpu_run.sh train --prose-frac; "
                        "tools/synth/prose.py's sources)")
    p.add_argument("--out")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    text = card(args)
    with open(args.out or os.path.join(args.model, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
