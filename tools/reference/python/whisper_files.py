"""Container formats for seeded Whisper weights: safetensors (single and sharded), .npy/.npz, and whisper.cpp's ggml.

Each writer streams tensor by tensor (chunks of seeded_weights.CHUNK_ELEMENTS), so no model is ever held whole in
memory, and writes exactly the bytes the TypeScript writers in tools/reference/src/weights/formats/ write.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import numpy as np

import seeded_weights as sw

SAFETENSORS_DTYPES = {"f32": "F32", "f16": "F16", "bf16": "BF16"}
SAFETENSORS_HEADER_ALIGNMENT = 8


@dataclass(frozen=True)
class StoredTensor:
    """A tensor as a container stores it: its name there, shape there, dtype, and a producer of its bytes."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    chunks: Callable[[], Iterator[bytes]]

    @property
    def n_bytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * sw.bytes_per_element(self.dtype)


def seeded_chunks(seed: int, tensor: sw.TensorSpec, dtype: str) -> Callable[[], Iterator[bytes]]:
    """The tensor's bytes in its PyTorch (row-major) order, chunk by chunk."""
    return lambda: (sw.encode(chunk, dtype) for chunk in sw.tensor_chunks(seed, tensor))


def transposed_chunks(
    seed: int, tensor: sw.TensorSpec, dtype: str, axes: tuple[int, ...]
) -> Callable[[], Iterator[bytes]]:
    """The tensor's bytes after permuting its axes (only conv weights, a few MB, are permuted)."""

    def chunks() -> Iterator[bytes]:
        values = sw.tensor_values(seed, tensor).reshape(tensor.shape).transpose(axes)
        yield sw.encode(np.ascontiguousarray(values), dtype)

    return chunks


# --- JSON as Python's json module writes it (the TypeScript side emulates exactly this) ---------------------------


def dumps_sorted(value: object, *, ensure_ascii: bool = True) -> str:
    """json.dumps(indent=2, sort_keys=True) plus a final newline: how transformers writes its JSON files."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=ensure_ascii) + "\n"


# --- safetensors --------------------------------------------------------------------------------------------------


def safetensors_header(tensors: list[StoredTensor], metadata: dict[str, str]) -> bytes:
    """u64 length + compact JSON header (__metadata__ first, then tensors sorted by name), space-padded to 8 bytes."""
    entries: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    for tensor in sorted(tensors, key=lambda t: t.name):
        entries[tensor.name] = {
            "dtype": SAFETENSORS_DTYPES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + tensor.n_bytes],
        }
        offset += tensor.n_bytes
    header = json.dumps(entries, separators=(",", ":")).encode("utf-8")
    header += b" " * (-len(header) % SAFETENSORS_HEADER_ALIGNMENT)
    return struct.pack("<Q", len(header)) + header


def stream_safetensors(out: BinaryIO, tensors: list[StoredTensor], metadata: dict[str, str]) -> None:
    """Writes a whole safetensors file to any object with write(bytes) (a file, a hash adapter)."""
    out.write(safetensors_header(tensors, metadata))
    for tensor in sorted(tensors, key=lambda t: t.name):
        for chunk in tensor.chunks():
            out.write(chunk)


def write_safetensors(path: Path, tensors: list[StoredTensor], metadata: dict[str, str]) -> None:
    with open(path, "wb") as out:
        stream_safetensors(out, tensors, metadata)


def plan_shards(tensors: list[StoredTensor], max_shard_bytes: int) -> list[list[StoredTensor]]:
    """Tensors sorted by name, cut greedily: a new shard starts when the next tensor would overflow the current one."""
    if max_shard_bytes <= 0:
        raise ValueError(f"[plan_shards] max_shard_bytes must be positive, got {max_shard_bytes}")
    shards: list[list[StoredTensor]] = []
    size = 0
    for tensor in sorted(tensors, key=lambda t: t.name):
        if not shards or (shards[-1] and size + tensor.n_bytes > max_shard_bytes):
            shards.append([])
            size = 0
        shards[-1].append(tensor)
        size += tensor.n_bytes
    return shards


def shard_file_name(index: int, count: int) -> str:
    return f"model-{index + 1:05d}-of-{count:05d}.safetensors"


def write_sharded_safetensors(
    out_dir: Path, tensors: list[StoredTensor], metadata: dict[str, str], max_shard_bytes: int
) -> list[Path]:
    """model-0000i-of-0000N.safetensors plus model.safetensors.index.json (metadata.total_size, weight_map)."""
    shards = plan_shards(tensors, max_shard_bytes)
    weight_map: dict[str, str] = {}
    written = []
    for index, shard in enumerate(shards):
        file_name = shard_file_name(index, len(shards))
        write_safetensors(out_dir / file_name, shard, metadata)
        weight_map.update({tensor.name: file_name for tensor in shard})
        written.append(out_dir / file_name)
    index_path = out_dir / "model.safetensors.index.json"
    index_json = {"metadata": {"total_size": sum(t.n_bytes for t in tensors)}, "weight_map": weight_map}
    index_path.write_text(dumps_sorted(index_json), encoding="utf-8")
    return [*written, index_path]


# --- .npy / .npz --------------------------------------------------------------------------------------------------

NPY_DESCR = {"f32": "<f4", "f16": "<f2"}
NPY_ALIGNMENT = 64
NPY_MAGIC = b"\x93NUMPY\x01\x00"
ZIP_DOS_DATE_1980_01_01 = (1 << 5) | 1
ZIP_VERSION_ZIP64 = 45
ZIP_U32_MAX = 0xFFFFFFFF


def npy_header(shape: tuple[int, ...], dtype: str) -> bytes:
    """.npy version 1.0 header: magic, u16 length, the dict literal padded with spaces to 64 bytes, newline."""
    if dtype not in NPY_DESCR:
        raise ValueError(f"[npy_header] .npy has no {dtype}; use f32 or f16")
    shape_text = f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    text = f"{{'descr': '{NPY_DESCR[dtype]}', 'fortran_order': False, 'shape': {shape_text}, }}"
    padding = -(len(NPY_MAGIC) + 2 + len(text) + 1) % NPY_ALIGNMENT
    text += " " * padding + "\n"
    return NPY_MAGIC + struct.pack("<H", len(text)) + text.encode("latin-1")


def _zip64_extra(*values: int) -> bytes:
    return struct.pack("<HH", 0x0001, 8 * len(values)) + b"".join(struct.pack("<Q", v) for v in values)


def write_npz(path: Path, tensors: list[StoredTensor]) -> None:
    """An uncompressed (stored) zip of NAME.npy members, as np.savez writes, with fixed dates and zip64 when needed.

    The CRC-32 of each member is computed in a first pass over its (regenerated) bytes so the local header carries
    final sizes and checksums, without data descriptors.
    """
    central: list[bytes] = []
    with open(path, "wb") as out:
        for tensor in tensors:
            header = npy_header(tensor.shape, tensor.dtype)
            crc = zlib.crc32(header)
            for chunk in tensor.chunks():
                crc = zlib.crc32(chunk, crc)
            size = len(header) + tensor.n_bytes
            name = f"{tensor.name}.npy".encode("utf-8")
            offset = out.tell()
            big = size >= ZIP_U32_MAX
            local_extra = _zip64_extra(size, size) if big else b""
            out.write(
                struct.pack(
                    "<IHHHHHIIIHH", 0x04034B50, ZIP_VERSION_ZIP64, 0, 0, 0, ZIP_DOS_DATE_1980_01_01, crc,
                    ZIP_U32_MAX if big else size, ZIP_U32_MAX if big else size, len(name), len(local_extra),
                )
            )
            out.write(name + local_extra + header)
            for chunk in tensor.chunks():
                out.write(chunk)
            far = offset >= ZIP_U32_MAX
            zip64_values = ([size, size] if big else []) + ([offset] if far else [])
            central_extra = _zip64_extra(*zip64_values) if zip64_values else b""
            central.append(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII", 0x02014B50, ZIP_VERSION_ZIP64, ZIP_VERSION_ZIP64, 0, 0, 0,
                    ZIP_DOS_DATE_1980_01_01, crc, ZIP_U32_MAX if big else size, ZIP_U32_MAX if big else size,
                    len(name), len(central_extra), 0, 0, 0, 0, ZIP_U32_MAX if far else offset,
                )
                + name
                + central_extra
            )
        directory_offset = out.tell()
        directory = b"".join(central)
        out.write(directory)
        count = len(central)
        if directory_offset + len(directory) >= ZIP_U32_MAX or count >= 0xFFFF:
            zip64_end = out.tell()
            out.write(
                struct.pack(
                    "<IQHHIIQQQQ", 0x06064B50, 44, ZIP_VERSION_ZIP64, ZIP_VERSION_ZIP64, 0, 0, count, count,
                    len(directory), directory_offset,
                )
            )
            out.write(struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1))
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                min(len(directory), ZIP_U32_MAX), min(directory_offset, ZIP_U32_MAX), 0,
            )
        )


# --- ggml ---------------------------------------------------------------------------------------------------------

GGML_MAGIC = 0x67676D6C  # "ggml"
GGML_FTYPE = {"f32": 0, "f16": 1}


def ggml_header(dims: sw.Dims, dtype: str, mel_filters: np.ndarray, vocabulary: Iterable[bytes]) -> bytes:
    """Magic, the 11 int32 hparams (ftype last), the mel filterbank [n_mels, 201] as float32, the byte vocabulary."""
    tokens = list(vocabulary)
    parts = [
        struct.pack(
            "<12i", GGML_MAGIC, dims.n_vocab, dims.n_audio_ctx, dims.n_audio_state, dims.n_audio_head,
            dims.n_audio_layer, dims.n_text_ctx, dims.n_text_state, dims.n_text_head, dims.n_text_layer, dims.n_mels,
            GGML_FTYPE[dtype],
        ),
        struct.pack("<2i", *mel_filters.shape),
        # -0.0 + 0.0 is +0.0: the released ggml files (and whisper.cpp's for-tests files) hold +0.0 where OpenAI's
        # current mel_filters.npz holds -0.0.
        (np.ascontiguousarray(mel_filters, dtype="<f4") + np.float32(0)).tobytes(),
        struct.pack("<i", len(tokens)),
    ]
    parts += [struct.pack("<i", len(token)) + token for token in tokens]
    return b"".join(parts)


def ggml_tensor_header(name: str, ggml_shape: tuple[int, ...], dtype: str) -> bytes:
    """n_dims, name length, ftype, then the dimensions innermost first (reversed PyTorch order), then the name."""
    encoded = name.encode("utf-8")
    dims = struct.pack(f"<{len(ggml_shape)}i", *reversed(ggml_shape))
    return struct.pack("<3i", len(ggml_shape), len(encoded), GGML_FTYPE[dtype]) + dims + encoded


def write_ggml(path: Path, header: bytes, tensors: list[StoredTensor]) -> None:
    with open(path, "wb") as out:
        out.write(header)
        for tensor in tensors:
            out.write(ggml_tensor_header(tensor.name, tensor.shape, tensor.dtype))
            for chunk in tensor.chunks():
                out.write(chunk)


def read_tiktoken(path: Path) -> list[bytes]:
    """Token bytes of a .tiktoken file (base64 token, space, rank per line), in rank order."""
    import base64

    ranked = []
    for line in path.read_bytes().splitlines():
        if line:
            token, rank = line.split()
            ranked.append((int(rank), base64.b64decode(token)))
    ranked.sort()
    if [rank for rank, _ in ranked] != list(range(len(ranked))):
        raise ValueError(f"[read_tiktoken] {path}: ranks are not 0..{len(ranked) - 1}")
    return [token for _, token in ranked]


def write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)

