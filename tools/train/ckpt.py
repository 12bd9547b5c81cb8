"""Compact checkpoints that travel to and from the GPU machine (numpy only).

The GPU machine returns at most 8 files of <= 16 MiB (64 MiB in all) per run, and at most 64 MiB travel to it per call,
repository included. A checkpoint is therefore one byte stream cut into parts of at most PART_BYTES:

    <prefix>.part00, <prefix>.part01, ...   (concatenated in name order)

    stream  = MAGIC (8 bytes) | u64 little-endian header length | header (UTF-8 JSON) | payload
    header  = {"format", "meta", "tensors": [...], "payload_bytes", "payload_sha256"}
    tensor  = {"name", "kind": "dense", "shape", "dtype", "offset", "nbytes"}
            | {"name", "kind": "rows", "shape", "dtype", "base": {generator spec},
               "rows": {"offset", "nbytes", "count"}        int32 indices of the stored rows, ascending
               "values": {"offset", "nbytes"}}              those rows, in dtype
    offsets are relative to the payload start and 64-byte aligned.

dtypes: "f16" and "bf16" (float tensors, rounded to nearest even from float32), "f32", and integer tensors stored as
they are ("i32", "i64", "u8", ...). A float16 array stored as f16 comes back bit-identical; a float32 array stored as
f32 too.

"rows" is for the token embedding (51865 x 384, 40 MB in fp16): only the rows that differ (bitwise, as float32) from a
base tensor regenerated from a seed are stored; every other row is regenerated exactly. Training keeps the rows of
tokens it never saw at their seeded initial values (their gradient is masked and they have no weight decay), so a
checkpoint stores only the rows of tokens seen in training. The base generator "seeded-v1" is the counter-based
generator of tools/reference (python/seeded_weights.py, bit-identical on every machine): the Hugging Face tensor
`key` of architecture `arch` under `seed`.

    python3 tools/train/ckpt.py info DIR [--prefix ckpt]          header, sizes, sha256 check
    python3 tools/train/ckpt.py repack SRC DST --dtype bf16       convert to another dtype
    python3 tools/train/ckpt.py best DIR...                       the folder with the furthest valid checkpoint
    python3 tools/train/ckpt.py runs DIR|meta.json...             how many training runs the newest one records
    python3 tools/train/ckpt.py average DST DIR DIR...            the mean of several checkpoints' weights
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import struct
import sys

import numpy as np

MAGIC = b"VBTCKPT1"
FORMAT = "verbatim-ckpt-1"
MIB = 1024 * 1024
PART_BYTES = 16 * MIB - 64 * 1024  # a little under the 16 MiB per-file limit
ALIGN = 64
FLOAT_DTYPES = ("f16", "bf16", "f32")

_HERE = os.path.dirname(os.path.abspath(__file__))
_REFERENCE = os.path.join(_HERE, "..", "reference", "python")


# ----------------------------------------------------------------------------------------------------------------
# float encodings


def bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns (uint16), round to nearest even; NaN stays NaN."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = ((bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)).astype(np.uint16)
    nan = np.isnan(x)
    if nan.any():
        rounded[nan] = np.uint16(0x7FC0)
    return rounded


def bf16_to_f32(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)


def encode(x: np.ndarray, dtype: str) -> bytes:
    if dtype == "f32":
        return np.ascontiguousarray(x, dtype="<f4").tobytes()
    if dtype == "f16":
        x32 = np.asarray(x, dtype=np.float32)
        with np.errstate(over="ignore"):
            y = x32.astype("<f2")
        bad = np.isinf(y) & np.isfinite(x32)
        if bad.any():
            raise OverflowError(f"[ckpt] {int(bad.sum())} values overflow float16 (max |x| = {np.abs(x32).max()})")
        return np.ascontiguousarray(y).tobytes()
    if dtype == "bf16":
        return bf16_bits(np.asarray(x, dtype=np.float32)).astype("<u2").tobytes()
    return np.ascontiguousarray(x, dtype=np.dtype(dtype_numpy(dtype)).newbyteorder("<")).tobytes()


def decode(buf: bytes | memoryview, dtype: str, shape) -> np.ndarray:
    """Back to float32 (float dtypes) or the integer dtype."""
    if dtype == "f32":
        out = np.frombuffer(buf, dtype="<f4").astype(np.float32)
    elif dtype == "f16":
        out = np.frombuffer(buf, dtype="<f2").astype(np.float32)
    elif dtype == "bf16":
        out = bf16_to_f32(np.frombuffer(buf, dtype="<u2"))
    else:
        out = np.frombuffer(buf, dtype=np.dtype(dtype_numpy(dtype)).newbyteorder("<")).astype(dtype_numpy(dtype))
    return out.reshape(shape)


def dtype_numpy(dtype: str) -> str:
    table = {"i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64", "u8": "uint8", "u16": "uint16",
             "u32": "uint32", "u64": "uint64", "bool": "bool"}
    if dtype not in table:
        raise ValueError(f"[ckpt] unknown dtype {dtype!r}")
    return table[dtype]


def dtype_of_array(x: np.ndarray) -> str | None:
    """The integer dtype name of an integer/bool array, None for floats."""
    k = np.asarray(x).dtype
    if k.kind == "f":
        return None
    if k.kind == "b":
        return "bool"
    return {"i": "i", "u": "u"}[k.kind] + str(k.itemsize * 8)


def bytes_per(dtype: str) -> int:
    return {"f16": 2, "bf16": 2, "f32": 4}.get(dtype) or np.dtype(dtype_numpy(dtype)).itemsize


# ----------------------------------------------------------------------------------------------------------------
# base tensors for the "rows" kind


_BASE_CACHE: dict = {}


def base_tensor(spec: dict) -> np.ndarray:
    """The float32 tensor a "rows" entry is relative to (read-only; the last one is cached)."""
    key = json.dumps(spec, sort_keys=True)
    if key not in _BASE_CACHE:
        x = _make_base(spec)
        x.setflags(write=False)
        _BASE_CACHE.clear()
        _BASE_CACHE[key] = x
    return _BASE_CACHE[key]


def _make_base(spec: dict) -> np.ndarray:
    gen = spec.get("generator")
    if gen == "seeded-v1":
        if _REFERENCE not in sys.path:
            sys.path.insert(0, _REFERENCE)
        import seeded_weights as sw  # noqa: PLC0415

        t = sw.tensor_by_hf_name(spec.get("arch", "tiny"), spec["key"])
        return sw.tensor_values(int(spec["seed"]), t).reshape(t.shape)
    if gen == "zeros":
        return np.zeros(spec["shape"], np.float32)
    raise ValueError(f"[ckpt] unknown base generator {gen!r}")


def seeded_embedding_spec(seed: int, arch: str = "tiny", key: str = "model.decoder.embed_tokens.weight") -> dict:
    return {"generator": "seeded-v1", "arch": arch, "key": key, "seed": int(seed)}


def changed_rows(x: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Indices of the rows of x that differ bitwise (as float32) from base."""
    a = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    b = np.ascontiguousarray(base, dtype=np.float32).view(np.uint32)
    return np.nonzero(np.any(a != b, axis=1))[0].astype(np.int32)


# ----------------------------------------------------------------------------------------------------------------
# pack / unpack


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def build_stream(tensors: dict, meta: dict | None = None, *, dtype: str = "f16", dtypes: dict | None = None,
                 rows: dict | None = None) -> tuple[bytes, dict]:
    """The whole checkpoint as bytes, and its header.

    tensors: name -> numpy array. Float arrays are stored in `dtype` unless dtypes[name] says otherwise; integer and
    bool arrays as they are. rows: name -> base spec for tensors stored as changed rows (see base_tensor)."""
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"[ckpt] dtype must be one of {FLOAT_DTYPES}")
    dtypes = dtypes or {}
    rows = rows or {}
    entries, chunks, offset = [], [], 0

    def put(data: bytes) -> dict:
        nonlocal offset
        pad = _align(offset) - offset
        if pad:
            chunks.append(b"\0" * pad)
            offset += pad
        loc = {"offset": offset, "nbytes": len(data)}
        chunks.append(data)
        offset += len(data)
        return loc

    for name in sorted(tensors):
        x = np.asarray(tensors[name])
        int_dt = dtype_of_array(x)
        dt = int_dt or dtypes.get(name, dtype)
        if name in rows:
            if int_dt or x.ndim != 2:
                raise ValueError(f"[ckpt] rows tensor {name} must be a 2-D float array")
            spec = rows[name]
            base = base_tensor(spec)
            if base.shape != x.shape:
                raise ValueError(f"[ckpt] {name}: base shape {base.shape} != {x.shape}")
            idx = changed_rows(x, base)
            r = put(idx.astype("<i4").tobytes())
            v = put(encode(x[idx], dt))
            entries.append({"name": name, "kind": "rows", "shape": list(x.shape), "dtype": dt, "base": spec,
                            "rows": {**r, "count": int(idx.size)}, "values": v})
        else:
            loc = put(encode(x, dt))
            entries.append({"name": name, "kind": "dense", "shape": list(x.shape), "dtype": dt, **loc})
    payload = b"".join(chunks)
    header = {"format": FORMAT, "meta": meta or {}, "tensors": entries, "payload_bytes": len(payload),
              "payload_sha256": hashlib.sha256(payload).hexdigest()}
    hbytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return MAGIC + struct.pack("<Q", len(hbytes)) + hbytes + payload, header


def part_name(prefix: str, i: int) -> str:
    return f"{prefix}.part{i:02d}"


def write_parts(out_dir: str, stream: bytes, prefix: str = "ckpt", part_bytes: int = PART_BYTES) -> list[str]:
    """Cut the stream into files of at most part_bytes; removes stale parts of the same prefix first."""
    if part_bytes <= 0:
        raise ValueError("part_bytes must be positive")
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for i, start in enumerate(range(0, len(stream), part_bytes)):
        p = os.path.join(out_dir, part_name(prefix, i))
        with open(p + ".tmp", "wb") as f:
            f.write(stream[start:start + part_bytes])
        paths.append(p)
    # every new part is on disk before any old one goes: a run killed here leaves .tmp files, never a mixed set
    for old in glob.glob(os.path.join(out_dir, prefix + ".part[0-9][0-9]")):
        if old not in paths:
            os.unlink(old)
    for p in paths:
        os.replace(p + ".tmp", p)
    return paths


def pack(out_dir: str, tensors: dict, meta: dict | None = None, *, prefix: str = "ckpt", dtype: str = "f16",
         dtypes: dict | None = None, rows: dict | None = None, part_bytes: int = PART_BYTES) -> list[str]:
    stream, _ = build_stream(tensors, meta, dtype=dtype, dtypes=dtypes, rows=rows)
    return write_parts(out_dir, stream, prefix, part_bytes)


def find_parts(where, prefix: str = "ckpt") -> list[str]:
    """Part files of a checkpoint: `where` is a folder, a list of folders (parts may be spread over several), or a list
    of files. The numbering must be complete (00, 01, ...)."""
    if isinstance(where, str):
        where = [where]
    found: dict[str, str] = {}
    for w in where:
        cands = sorted(glob.glob(os.path.join(w, prefix + ".part[0-9][0-9]"))) if os.path.isdir(w) else [w]
        for c in cands:
            found.setdefault(os.path.basename(c), c)
    names = sorted(found)
    for i, n in enumerate(names):
        if n != part_name(prefix, i):
            raise FileNotFoundError(f"[ckpt] parts of {prefix!r} are not 00..{len(names) - 1:02d}: {names}")
    if not names:
        raise FileNotFoundError(f"[ckpt] no {prefix}.partNN files in {where}")
    return [found[n] for n in names]


def read_stream(where, prefix: str = "ckpt") -> bytes:
    data = bytearray()
    for p in find_parts(where, prefix):
        with open(p, "rb") as f:
            data.extend(f.read())
    return bytes(data)


def parse_stream(stream: bytes, verify: bool = True) -> tuple[dict, memoryview]:
    if stream[:8] != MAGIC:
        raise ValueError("[ckpt] not a verbatim checkpoint (bad magic)")
    (hlen,) = struct.unpack("<Q", stream[8:16])
    header = json.loads(stream[16:16 + hlen].decode("utf-8"))
    if header.get("format") != FORMAT:
        raise ValueError(f"[ckpt] unknown format {header.get('format')!r}")
    payload = memoryview(stream)[16 + hlen:]
    if len(payload) != header["payload_bytes"]:
        raise ValueError(f"[ckpt] payload is {len(payload)} bytes, header says {header['payload_bytes']} "
                         "(a part is missing or truncated)")
    if verify and hashlib.sha256(payload).hexdigest() != header["payload_sha256"]:
        raise ValueError("[ckpt] payload sha256 mismatch")
    return header, payload


def unpack_stream(stream: bytes, verify: bool = True, names=None) -> tuple[dict, dict]:
    """(tensors as float32 / integer arrays, meta)."""
    header, payload = parse_stream(stream, verify)
    out = {}
    for e in header["tensors"]:
        if names is not None and e["name"] not in names:
            continue
        if e["kind"] == "dense":
            out[e["name"]] = decode(payload[e["offset"]:e["offset"] + e["nbytes"]], e["dtype"], e["shape"])
        elif e["kind"] == "rows":
            base = np.array(base_tensor(e["base"]), dtype=np.float32, copy=True).reshape(e["shape"])
            r, v = e["rows"], e["values"]
            idx = np.frombuffer(payload[r["offset"]:r["offset"] + r["nbytes"]], dtype="<i4").astype(np.int64)
            base[idx] = decode(payload[v["offset"]:v["offset"] + v["nbytes"]], e["dtype"], (idx.size, e["shape"][1]))
            out[e["name"]] = base
        else:
            raise ValueError(f"[ckpt] unknown tensor kind {e['kind']!r}")
    return out, header["meta"]


def unpack(where, prefix: str = "ckpt", verify: bool = True, names=None) -> tuple[dict, dict]:
    return unpack_stream(read_stream(where, prefix), verify, names)


def read_header(where, prefix: str = "ckpt") -> dict:
    return parse_stream(read_stream(where, prefix), verify=True)[0]


def stored_rows(header: dict, name: str, where=None, prefix: str = "ckpt") -> np.ndarray | None:
    """The row indices a "rows" entry stores (None if the tensor is absent or dense)."""
    for e in header["tensors"]:
        if e["name"] == name and e["kind"] == "rows":
            stream = read_stream(where, prefix)
            _, payload = parse_stream(stream, verify=False)
            r = e["rows"]
            return np.frombuffer(payload[r["offset"]:r["offset"] + r["nbytes"]], dtype="<i4").copy()
    return None


def average(tensor_sets: list[dict]) -> dict:
    """The element-wise mean of several checkpoints' float tensors (in float64, returned as float32).

    Averaging the weights of checkpoints from the same training trajectory (a few thousand steps apart) lands nearer
    the middle of the basin than any one of them: on the demo model two annealed ends averaged read the held-out test
    split at 6.81% WER where they read 7.39% and 7.68% (tools/train/RUNS.md). The checkpoints must hold the same
    tensors with the same shapes; integer tensors must be equal."""
    if len(tensor_sets) < 2:
        raise ValueError(f"[ckpt] average needs at least two checkpoints, got {len(tensor_sets)}")
    names = sorted(tensor_sets[0])
    for i, t in enumerate(tensor_sets[1:], start=2):
        if sorted(t) != names:
            diff = sorted(set(names) ^ set(t))
            raise ValueError(f"[ckpt] checkpoint {i} holds other tensors than checkpoint 1: {diff[:6]}")
    out = {}
    for name in names:
        xs = [np.asarray(t[name]) for t in tensor_sets]
        for i, x in enumerate(xs[1:], start=2):
            if x.shape != xs[0].shape:
                raise ValueError(f"[ckpt] {name}: shape {x.shape} in checkpoint {i}, {xs[0].shape} in checkpoint 1")
        if xs[0].dtype.kind == "f":
            out[name] = np.mean(np.stack([x.astype(np.float64) for x in xs]), axis=0).astype(np.float32)
        elif all(np.array_equal(x, xs[0]) for x in xs[1:]):
            out[name] = xs[0]
        else:
            raise ValueError(f"[ckpt] integer tensor {name} differs between the checkpoints; it cannot be averaged")
    return out


def row_bases(header: dict) -> dict:
    """name -> base spec of the tensors a header stores as changed rows (to write them back the same way)."""
    return {e["name"]: e["base"] for e in header["tensors"] if e["kind"] == "rows"}


def run_seconds(meta: dict) -> float:
    """The wall-clock seconds on the GPU machine of every run a checkpoint's history records."""
    return sum(float(r.get("seconds", 0) or 0) for r in meta.get("history", {}).get("runs", []))


# ----------------------------------------------------------------------------------------------------------------


def _average(args):
    """Write the mean of the checkpoints' weights as a checkpoint: the newest one's meta (its history, so resuming
    and the run count continue from it) plus `averaged_steps`; embedding rows stored against the same base."""
    sets, metas = zip(*(unpack(d, args.prefix) for d in args.dirs))
    newest = max(range(len(metas)), key=lambda i: int(metas[i].get("step", -1)))
    for key in ("arch", "embed_seed", "ctc_chars", "stage"):
        values = {json.dumps(m.get(key)) for m in metas}
        if len(values) > 1:
            raise ValueError(f"[ckpt] the checkpoints differ in {key}: {sorted(values)}")
    rows = row_bases(read_header(args.dirs[newest], args.prefix))
    meta = dict(metas[newest])
    meta["averaged_steps"] = [int(m.get("step", -1)) for m in metas]
    paths = pack(args.dst, average(list(sets)), meta, prefix=args.prefix, dtype=args.dtype, rows=rows)
    print(f"averaged steps {meta['averaged_steps']}: wrote {len(paths)} parts, "
          f"{sum(os.path.getsize(p) for p in paths) / MIB:.2f} MiB to {args.dst}")


def _info(args):
    parts = find_parts(args.dir, args.prefix)
    header = read_header(args.dir, args.prefix)
    total = sum(os.path.getsize(p) for p in parts)
    print(f"{len(parts)} parts, {total / MIB:.2f} MiB, payload sha256 ok")
    for p in parts:
        print(f"  {os.path.basename(p)}  {os.path.getsize(p) / MIB:.2f} MiB")
    by_kind = {}
    for e in header["tensors"]:
        n = e["nbytes"] if e["kind"] == "dense" else e["values"]["nbytes"] + e["rows"]["nbytes"]
        by_kind.setdefault(e["dtype"], [0, 0])
        by_kind[e["dtype"]][0] += 1
        by_kind[e["dtype"]][1] += n
        if e["kind"] == "rows":
            print(f"  rows tensor {e['name']} {e['shape']}: {e['rows']['count']} stored rows ({e['dtype']}), "
                  f"base {e['base']}")
    for dt, (k, n) in sorted(by_kind.items()):
        print(f"  {dt}: {k} tensors, {n / MIB:.2f} MiB")
    meta = header["meta"]
    print("meta: " + json.dumps({k: v for k, v in meta.items() if k not in ("history", "last_eval")}, sort_keys=True))
    runs = meta.get("history", {}).get("runs", [])
    for i, r in enumerate(runs):
        print(f"  run {i + 1}: steps {r.get('start_step')} -> {r.get('end_step')} (stage {r.get('start_stage')} -> "
              f"{r.get('end_stage')}), {r.get('seconds')} s, resumed from {r.get('resumed_from')}, "
              f"pool {r.get('pool_h')} h")
    if runs:
        print(f"  {len(runs)} runs, {run_seconds(meta):.0f} s of wall-clock time on the GPU machine in all")
    if meta.get("last_eval"):
        print("last eval: " + json.dumps(meta["last_eval"], sort_keys=True))


def _repack(args):
    tensors, meta = unpack(args.src, args.prefix)
    rows = row_bases(read_header(args.src, args.prefix))
    paths = pack(args.dst, tensors, meta, prefix=args.prefix, dtype=args.dtype, rows=rows)
    print(f"wrote {len(paths)} parts, {sum(os.path.getsize(p) for p in paths) / MIB:.2f} MiB to {args.dst}")


def _best(args):
    """Print the folder whose complete, verified checkpoint has the highest step (nothing if none)."""
    best = None
    for d in args.dirs:
        try:
            step = int(read_header(d, args.prefix)["meta"].get("step", -1))
        except (FileNotFoundError, ValueError, KeyError):
            continue
        if best is None or step > best[0]:
            best = (step, d)
    if best:
        print(best[1])


def _runs(args):
    """Print how many runs the newest of these checkpoints / meta.json files records (0 if none)."""
    n = 0
    for d in args.dirs:
        meta = None
        try:
            if d.endswith(".json"):
                with open(d, encoding="utf-8") as f:
                    meta = json.load(f)
            else:
                meta = read_header(d, args.prefix)["meta"]
        except (FileNotFoundError, ValueError, KeyError, OSError):
            continue
        n = max(n, len(meta.get("history", {}).get("runs", [])))
    print(n)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn in (("best", _best), ("runs", _runs)):
        c = sub.add_parser(name)
        c.add_argument("dirs", nargs="*")
        c.add_argument("--prefix", default="ckpt")
        c.set_defaults(fn=fn)
    a = sub.add_parser("info")
    a.add_argument("dir")
    a.add_argument("--prefix", default="ckpt")
    a.set_defaults(fn=_info)
    b = sub.add_parser("repack")
    b.add_argument("src")
    b.add_argument("dst")
    b.add_argument("--prefix", default="ckpt")
    b.add_argument("--dtype", default="bf16", choices=FLOAT_DTYPES)
    b.set_defaults(fn=_repack)
    c = sub.add_parser("average")
    c.add_argument("dst")
    c.add_argument("dirs", nargs="+")
    c.add_argument("--prefix", default="ckpt")
    c.add_argument("--dtype", default="f16", choices=FLOAT_DTYPES)
    c.set_defaults(fn=_average)
    args = p.parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()
