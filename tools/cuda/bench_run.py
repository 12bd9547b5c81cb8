#!/usr/bin/env python3
"""One GPU benchmark run as benchmarks/results expects it: ours (verbatim_engine_bench records) and transformers'
(tools/transformers-bench records) from the same gpu_check.sh call, in performance.md's record schema, with the
command that reproduces them. `pnpm -F @verbatim/benchmarks bench:report` draws the newest *-gpu.json as the GPU
panel of REPORT.md and results/rtfx.svg.

  python3 tools/cuda/bench_run.py --ours verbatim.jsonl --theirs 'transformers-*.json' --command "..." --out F.json
"""
import argparse
import datetime
import glob
import json
import os
import re
import statistics

OURS_TIMED = ("model only: Model::Encode of the batch, the 4-token start sequence and exactly 112 greedy steps per "
              "30 s window, argmax on the GPU (DecoderSession::AppendArgMax); seeded random weights (tools/reference "
              "seed 1234) in f16; median of the rounds after a warm-up")


def model_name(path: str) -> str:
    """'tiny' from '/tmp/weights/tiny-hf-f16-seed1234'."""
    return re.sub(r"-hf-(f16|f32|bf16)-seed\d+$", "", os.path.basename(path.rstrip("/")))


def our_record(r: dict, commit: str, host: str) -> dict:
    model = model_name(r["model"])
    return {"impl": "verbatim", "pair": r.get("pair", 1), "model": model, "backend": "cuda", "dtype": r["dtype"], "batch": r["batch"],
            "stage": "e2e", "id": f"e2e/{model}/{r['dtype']}/b{r['batch']}", "audio_s": r["audio_s"],
            "wall_s": r["wall_s"], "rtfx": r["rtfx"], "encode_s": r.get("encode_s"), "step_ms": r.get("step_ms"),
            "peak_mem_bytes": r.get("peak_mem_bytes"), "rounds": r.get("rounds"), "commit": commit, "host": host,
            "device_name": r.get("device_name"), "unit": "s per call", "timed": OURS_TIMED}


def their_record(r: dict, host: str, pair: int) -> dict:
    out = dict(r)
    out["pair"] = pair
    out["dtype"] = {"fp16": "f16", "fp32": "f32", "bf16": "bf16"}.get(r["dtype"], r["dtype"])  # one chart group
    out["id"] = f"{r['stage']}/{r['model']}/{out['dtype']}/b{r['batch']}"
    out["host"] = host
    return out


def comparisons(records: list[dict]) -> list[dict]:
    """Per model and batch: ours over transformers within each pair (the two ran back to back), the median and
    range of those ratios, and the medians of each side."""
    out = []
    keys = sorted({(r["model"], r["batch"]) for r in records if r["impl"] == "verbatim"}, key=str)
    for model, batch in keys:
        ours = {r["pair"]: r for r in records if r["impl"] == "verbatim" and (r["model"], r["batch"]) == (model, batch)}
        theirs = {r["pair"]: r for r in records if r["impl"] == "transformers" and r["stage"] == "e2e"
                  and (r["model"], r["batch"]) == (model, batch)}
        pairs = sorted(set(ours) & set(theirs))
        if not pairs:
            continue
        ratios = [ours[p]["rtfx"] / theirs[p]["rtfx"] for p in pairs]
        med = statistics.median
        out.append({"model": model, "batch": batch, "pairs": len(pairs),
                    "verbatim_rtfx": med(ours[p]["rtfx"] for p in pairs),
                    "transformers_rtfx": med(theirs[p]["rtfx"] for p in pairs),
                    "ratio_median": round(med(ratios), 3), "ratio_min": round(min(ratios), 3),
                    "ratio_max": round(max(ratios), 3),
                    "encode_s": med(ours[p].get("encode_s") or 0.0 for p in pairs),
                    "step_ms": med(ours[p].get("step_ms") or 0.0 for p in pairs),
                    "peak_gib_ours": max(ours[p].get("peak_mem_bytes") or 0 for p in pairs) / 2 ** 30,
                    "peak_gib_theirs": max(theirs[p].get("peak_mem_bytes") or 0 for p in pairs) / 2 ** 30})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ours", required=True, help="verbatim_engine_bench's JSON lines")
    p.add_argument("--theirs", default="", help="glob of bench_transformers.py outputs")
    p.add_argument("--command", required=True, help="the command that reproduces the run")
    p.add_argument("--commit", default="unknown")
    p.add_argument("--host", default="unknown GPU")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    ours = [json.loads(line) for line in open(a.ours) if line.strip()] if os.path.exists(a.ours) else []
    theirs = []
    for path in sorted(glob.glob(a.theirs)) if a.theirs else []:
        data = json.load(open(path))
        # transformers-<model>-<batch>-<pair>.json; a file without the pair (older calls) is pair 1
        pair = re.search(r"-\d+-(\d+)\.json$", os.path.basename(path))
        pair = int(pair.group(1)) if pair else 1
        theirs += [their_record(r, a.host, pair) for r in data.get("records", data if isinstance(data, list) else [])]
    records = [our_record(r, a.commit, a.host) for r in ours] + theirs
    run = {"benchmark": "gpu-model", "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
           "host": a.host, "commit": a.commit, "command": a.command,
           "method": "shared/docs/performance.md's fixed-length protocol: 30 s windows of random log-mel, encoder + "
                     "112 greedy tokens each, model only; ours and transformers (fp16, sdpa) in the same call on the "
                     "same seeded weights; ratios only within one run",
           "comparisons": comparisons(records), "records": records}
    with open(a.out, "w") as f:
        json.dump(run, f, indent=2)
        f.write("\n")
    print(f"{len(records)} records -> {a.out}")


if __name__ == "__main__":
    main()
