#!/usr/bin/env python3
"""The transformers peer for `pnpm bench` on the GPU machine: Whisper in Hugging Face transformers + torch on the
project's seeded random weights of the real architecture (tools/reference, seed 1234: the same weights as ours), fp16, sdpa attention, greedy, EXACTLY `--new-tokens` new tokens per 30 s
window (the fixed-length protocol of shared/docs/performance.md), model only: random log-mel features go straight to
the model (no audio decoding, mel or VAD).

Writes benchmarks/results/<UTC time>-transformers.json in the records schema of performance.md
({impl, model, backend, dtype, batch, stage, audio_s, wall_s, rtfx, peak_mem_bytes, commit, host}, plus `timed`
and the per-round values), which `pnpm -F @verbatim/benchmarks bench:report` puts beside ours in REPORT.md and the
chart. Nothing is downloaded (tools/reference writes the weights; it needs shared/assets for the tokenizer files).

  python3 tools/transformers-bench/bench_transformers.py [--models tiny,base,large-v3-turbo] [--batches 1,16,32]
      [--dtype fp16] [--new-tokens 112] [--rounds 5] [--out FILE]

Needs: python3 with numpy, torch (CUDA) and transformers >= 4.40.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

WINDOW_S = 30
N_FRAMES = 3000
SEED = 1234

REPO_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(REPO_ROOT, "tools", "reference", "python"))


def seeded_hf_weights(name, cache_dir):
    """The HF layout of `name` with seed SEED, written once by tools/reference (byte-identical to what
    @verbatim/reference writes: the same weights our CPU benchmark converts to ggml). Returns its folder."""
    import whisper_layouts

    out = os.path.join(cache_dir, f"{name}-hf-f32-seed{SEED}")
    done = os.path.join(out, ".complete")
    if not os.path.exists(done):
        whisper_layouts.write_layout("hf", out, arch=name, seed=SEED, dtype="f32")
        open(done, "w").close()
    return out


def git_commit():
    root = REPO_ROOT
    try:
        sha = subprocess.check_output(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, text=True).strip()
        dirty = subprocess.check_output(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, text=True)
        return sha + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def measure(name, batch, dtype_name, new_tokens, rounds, cache_dir):
    import torch
    from transformers import WhisperForConditionalGeneration

    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[dtype_name]
    model = WhisperForConditionalGeneration.from_pretrained(
        seeded_hf_weights(name, cache_dir), torch_dtype=dtype, attn_implementation="sdpa"
    ).to("cuda").eval()
    config = model.config
    torch.manual_seed(SEED)
    features = torch.randn(batch, config.num_mel_bins, N_FRAMES, device="cuda", dtype=dtype)
    # <|startoftranscript|><|en|><|transcribe|><|notimestamps|> (ids shift by one in large-v3's 51866-token
    # vocabulary), then exactly new_tokens greedy tokens: min_new_tokens keeps <|endoftext|> from ending early.
    shift = 1 if config.vocab_size == 51866 else 0
    start = [50258, 50259, 50359 + shift, 50363 + shift]
    prompt = torch.tensor([start] * batch, device="cuda")

    def encode():
        with torch.inference_mode():
            return model.model.encoder(features).last_hidden_state

    def end_to_end():
        # The encoder once, then exactly new_tokens greedy steps through the decoder with its KV cache (self-attention
        # cache growing, cross-attention keys/values computed on the first step): the work of generate() without its
        # Whisper-specific prompt handling, which in transformers 5.17 returned 150 or 108 new tokens for 112 asked.
        from transformers.cache_utils import DynamicCache, EncoderDecoderCache

        with torch.inference_mode():
            encoded = model.model.encoder(features).last_hidden_state
            cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
            ids, generated = prompt, 0
            while True:
                out = model.model.decoder(input_ids=ids, encoder_hidden_states=encoded, past_key_values=cache,
                                          use_cache=True)
                cache = out.past_key_values
                ids = model.proj_out(out.last_hidden_state[:, -1]).argmax(-1, keepdim=True)
                generated += 1
                if generated == new_tokens:
                    break
        if cache.get_seq_length() != prompt.shape[1] + new_tokens - 1:
            raise RuntimeError(f"decoded {cache.get_seq_length()} positions, not {prompt.shape[1] + new_tokens - 1}")

    def timed(fn):
        torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        return time.perf_counter() - start

    for _ in range(2):  # warm-up: kernels, allocator, cuBLAS handles
        timed(encode)
        timed(end_to_end)
    torch.cuda.reset_peak_memory_stats()
    encode_s = [timed(encode) for _ in range(rounds)]
    e2e_s = [timed(end_to_end) for _ in range(rounds)]
    peak = torch.cuda.max_memory_allocated()
    del model
    torch.cuda.empty_cache()
    return encode_s, e2e_s, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="tiny,base,large-v3-turbo")
    parser.add_argument("--batches", default="1,16,32")
    parser.add_argument("--dtype", default="fp16", choices=["fp16", "bf16", "fp32"])
    parser.add_argument("--new-tokens", type=int, default=112)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out")
    parser.add_argument("--cache", default=os.path.join(REPO_ROOT, "benchmarks", ".cache", "weights"),
                        help="where the seeded HF weights are written once")
    args = parser.parse_args()

    import torch
    import transformers

    if not torch.cuda.is_available():
        sys.exit("bench_transformers: no CUDA device (this peer runs on the GPU machine)")
    host = f"{torch.cuda.get_device_name(0)} ({platform.node()})"
    commit = git_commit()
    started = datetime.datetime.now(datetime.timezone.utc)
    records = []
    for name in args.models.split(","):
        for batch in [int(b) for b in args.batches.split(",")]:
            encode_s, e2e_s, peak = measure(name, batch, args.dtype, args.new_tokens, args.rounds, args.cache)
            audio_s = batch * WINDOW_S
            common = {
                "impl": "transformers",
                "model": name,
                "backend": "cuda",
                "dtype": args.dtype,
                "batch": batch,
                "peak_mem_bytes": peak,
                "commit": commit,
                "host": host,
                "weights": f"@verbatim/reference seed {SEED} (tools/reference HF layout, f32 on disk, cast to {args.dtype})",
                "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
            }
            for stage, values, what in [
                ("encoder", encode_s, "model.model.encoder(features) of the batch, random log-mel features on the GPU, sdpa"),
                ("e2e", e2e_s, f"encoder + exactly {args.new_tokens} greedy decoder steps per window after the 4-token "
                 "start sequence (model.model.decoder with an EncoderDecoderCache, argmax on the GPU), sdpa; model only "
                 "(no audio decoding, mel or VAD)"),
            ]:
                wall = statistics.median(values)
                records.append({**common, "stage": stage, "id": f"{stage}/{name}/{args.dtype}/b{batch}",
                                "audio_s": audio_s, "wall_s": wall, "rtfx": audio_s / wall, "unit": "s per call",
                                "timed": what, "rounds_s": values})
            print(f"{name} b{batch} {args.dtype}: encoder {audio_s / statistics.median(encode_s):.0f}x, "
                  f"end to end {audio_s / statistics.median(e2e_s):.0f}x, peak {peak / 2**30:.2f} GiB", flush=True)
    out = args.out or os.path.join(REPO_ROOT, "benchmarks", "results",
                                   started.strftime("%Y-%m-%dT%H-%M-%S") + "-transformers.json")
    with open(out, "w") as f:
        json.dump({"benchmark": "transformers", "started_at": started.isoformat(), "host": host, "commit": commit,
                   "rounds": args.rounds, "new_tokens_per_window": args.new_tokens, "records": records}, f, indent=2)
        f.write("\n")
    print(f"records: {out}")


if __name__ == "__main__":
    main()
