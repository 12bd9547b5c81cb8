"""Packed checkpoints: bit-exact round trips, parts <= 16 MiB, the embedding-row trick, corruption detection."""

import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ckpt  # noqa: E402

sys.path.insert(0, ckpt._REFERENCE)
import seeded_weights as sw  # noqa: E402

EMBED = "model.decoder.embed_tokens.weight"


def f16_values(rng, shape, scale=0.05):
    return (rng.standard_normal(shape) * scale).astype(np.float16)


def bits(x):
    x = np.ascontiguousarray(x)
    return x.view({2: np.uint16, 4: np.uint32, 8: np.uint64, 1: np.uint8}[x.dtype.itemsize])


class TmpDir(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ckpt-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class DenseRoundTrip(TmpDir):
    def test_f16_f32_ints_bit_exact_over_many_parts(self):
        rng = np.random.default_rng(0)
        tensors = {
            "a.weight": f16_values(rng, (300, 384)),
            "b.bias": f16_values(rng, (384,)),
            "c.conv": f16_values(rng, (384, 80, 3)),
            "d.f32": rng.standard_normal((50, 7)).astype(np.float32),
            "e.ids": rng.integers(0, 51865, 1000).astype(np.int32),
            "f.mask": rng.random(100) < 0.5,
            "g.scalar": np.array(3.25, np.float16),
        }
        meta = {"step": 123, "stage": 2, "history": {"runs": [{"x": 1}]}}
        paths = ckpt.pack(self.dir, tensors, meta, dtypes={"d.f32": "f32"}, part_bytes=100_000)
        self.assertGreater(len(paths), 3)
        self.assertTrue(all(os.path.getsize(p) <= 100_000 for p in paths))
        out, meta2 = ckpt.unpack(self.dir)
        self.assertEqual(meta2, meta)
        self.assertEqual(set(out), set(tensors))
        for name, x in tensors.items():
            y = out[name]
            self.assertEqual(y.shape, x.shape, name)
            if x.dtype == np.float16:
                self.assertEqual(y.dtype, np.float32)
                np.testing.assert_array_equal(bits(y.astype(np.float16)), bits(x), err_msg=name)
                # and float32(f16) -> f16 -> float32 is the identity
                np.testing.assert_array_equal(bits(y), bits(x.astype(np.float32)), err_msg=name)
            else:
                self.assertEqual(y.dtype, x.dtype, name)
                np.testing.assert_array_equal(bits(y), bits(x), err_msg=name)

    def test_bf16(self):
        rng = np.random.default_rng(1)
        x = rng.standard_normal((64, 33)).astype(np.float32)
        xb = ckpt.bf16_to_f32(ckpt.bf16_bits(x))  # bf16-representable values
        ckpt.pack(self.dir, {"w": xb}, {}, dtype="bf16")
        out, _ = ckpt.unpack(self.dir)
        np.testing.assert_array_equal(bits(out["w"]), bits(xb))
        # rounding is to nearest: error at most half an ulp of bf16 (2^-8 relative)
        rel = np.abs(xb - x) / np.abs(x)
        self.assertLessEqual(float(rel.max()), 2.0 ** -8)

    def test_f16_overflow_is_an_error(self):
        with self.assertRaises(OverflowError):
            ckpt.pack(self.dir, {"w": np.array([1e6], np.float32)}, {})

    def test_missing_or_corrupt_part_is_detected(self):
        rng = np.random.default_rng(2)
        paths = ckpt.pack(self.dir, {"w": f16_values(rng, (1000, 100))}, {}, part_bytes=50_000)
        with open(paths[1], "r+b") as f:
            f.seek(100)
            b = f.read(1)
            f.seek(100)
            f.write(bytes([b[0] ^ 1]))
        with self.assertRaises(ValueError):
            ckpt.unpack(self.dir)
        os.unlink(paths[-1])
        with self.assertRaises(ValueError):
            ckpt.unpack(self.dir)
        os.unlink(paths[1])
        with self.assertRaises(FileNotFoundError):
            ckpt.unpack(self.dir)

    def test_parts_spread_over_folders_and_stale_parts_removed(self):
        rng = np.random.default_rng(3)
        x = f16_values(rng, (2000, 100))
        paths = ckpt.pack(self.dir, {"w": x}, {"n": 1}, part_bytes=120_000)
        other = os.path.join(self.dir, "other")
        os.makedirs(other)
        for p in paths[::2]:
            shutil.move(p, other)
        out, meta = ckpt.unpack([self.dir, other])
        np.testing.assert_array_equal(out["w"].astype(np.float16), x)
        # a smaller checkpoint written over a bigger one leaves no stale parts behind
        fresh = os.path.join(self.dir, "fresh")
        ckpt.pack(fresh, {"w": x}, {}, part_bytes=120_000)
        ckpt.pack(fresh, {"w": x[:10]}, {}, part_bytes=120_000)
        self.assertEqual(len(ckpt.find_parts(fresh)), 1)


class EmbeddingRows(TmpDir):
    def test_only_changed_rows_are_stored_and_the_rest_regenerates_exactly(self):
        spec = ckpt.seeded_embedding_spec(1234)
        base = ckpt.base_tensor(spec)
        self.assertEqual(base.shape, (51865, 384))
        # the base is tools/reference's seeded generator, element for element
        t = sw.tensor_by_hf_name("tiny", EMBED)
        np.testing.assert_array_equal(base[7], sw.tensor_values(1234, t, 7 * 384, 384))
        rng = np.random.default_rng(4)
        emb = np.array(base)
        rows = np.sort(rng.choice(51865, 777, replace=False))
        emb[rows] = f16_values(rng, (rows.size, 384)).astype(np.float32)
        paths = ckpt.pack(self.dir, {EMBED: emb}, {"k": 1}, rows={EMBED: spec})
        size = sum(os.path.getsize(p) for p in paths)
        self.assertLess(size, rows.size * (384 * 2 + 4) + 8192)
        header = ckpt.read_header(self.dir)
        (entry,) = header["tensors"]
        self.assertEqual(entry["kind"], "rows")
        self.assertEqual(entry["rows"]["count"], rows.size)
        np.testing.assert_array_equal(ckpt.stored_rows(header, EMBED, self.dir), rows)
        out, _ = ckpt.unpack(self.dir)
        np.testing.assert_array_equal(bits(out[EMBED]), bits(emb))

    def test_whole_tiny_model_fits_the_transfer_limits(self):
        """Every tensor of Whisper tiny in fp16 plus 24,000 trained embedding rows: parts <= 16 MiB, at most 4 parts
        (room for the logs within 8 files), <= 64 MiB, bit-exact."""
        rng = np.random.default_rng(5)
        spec = ckpt.seeded_embedding_spec(99)
        tensors = {}
        for t in sw.whisper_tensors("tiny"):
            if t.hf_name == EMBED:
                emb = np.array(ckpt.base_tensor(spec))
                rows = rng.choice(51865, 24000, replace=False)
                emb[rows] = f16_values(rng, (rows.size, 384)).astype(np.float32)
                tensors[EMBED] = emb
            else:
                tensors[t.hf_name] = f16_values(rng, t.shape)
        tensors["ctc_head.weight"] = f16_values(rng, (39, 384))
        tensors["ctc_head.bias"] = f16_values(rng, (39,))
        paths = ckpt.pack(self.dir, tensors, {"step": 1}, rows={EMBED: spec})
        sizes = [os.path.getsize(p) for p in paths]
        self.assertTrue(all(s <= 16 * ckpt.MIB for s in sizes), sizes)
        self.assertLessEqual(len(paths), 4)
        self.assertLessEqual(sum(sizes), 64 * ckpt.MIB)
        out, _ = ckpt.unpack(self.dir)
        for name, x in tensors.items():
            np.testing.assert_array_equal(bits(out[name]), bits(np.asarray(x, np.float32)), err_msg=name)


class Average(TmpDir):
    """`ckpt.py average DST DIR...`: the mean of the weights, newest meta, embedding rows against the same base."""

    def write(self, name, tensors, step, rows=None, **meta):
        d = os.path.join(self.dir, name)
        ckpt.pack(d, tensors, {"step": step, "arch": "tiny", "history": {"runs": [step]}, **meta}, rows=rows)
        return d

    def test_mean_of_three_with_embedding_rows(self):
        rng = np.random.default_rng(11)
        spec = ckpt.seeded_embedding_spec(1234)
        base = np.array(ckpt.base_tensor(spec))
        dirs, ws, embs = [], [], []
        for i, step in enumerate((300, 100, 200)):  # not in step order: the newest meta is the one at step 300
            w = f16_values(rng, (5, 7))
            emb = np.array(base)
            emb[[3, 10 + i]] = f16_values(rng, (2, 384)).astype(np.float32)  # row 3 in all, rows 10..12 in one each
            dirs.append(self.write(f"c{i}", {"w": w, EMBED: emb, "n": np.arange(4, dtype=np.int32)}, step,
                                   rows={EMBED: spec}))
            ws.append(w)
            embs.append(emb)
        dst = os.path.join(self.dir, "avg")
        ckpt.main(["average", dst, *dirs])
        out, meta = ckpt.unpack(dst)
        want = (np.stack([w.astype(np.float64) for w in ws]).mean(axis=0)).astype(np.float16)
        np.testing.assert_array_equal(bits(out["w"].astype(np.float16)), bits(want))
        np.testing.assert_array_equal(out["n"], np.arange(4))
        want_emb = np.array(base)  # rows no checkpoint trained stay the seeded float32 values, bit for bit
        trained = [3, 10, 11, 12]
        mean = np.stack([e[trained].astype(np.float64) for e in embs]).mean(axis=0)
        want_emb[trained] = mean.astype(np.float16).astype(np.float32)
        np.testing.assert_array_equal(bits(out[EMBED]), bits(want_emb))
        header = ckpt.read_header(dst)
        np.testing.assert_array_equal(ckpt.stored_rows(header, EMBED, dst), trained)
        self.assertEqual(meta["step"], 300)
        self.assertEqual(meta["averaged_steps"], [300, 100, 200])
        self.assertEqual(meta["history"], {"runs": [300]})

    def test_mismatches_are_errors_naming_the_tensor(self):
        a = self.write("a", {"w": np.zeros((2, 2), np.float16)}, 1)
        b = self.write("b", {"w": np.zeros((2, 3), np.float16)}, 2)
        c = self.write("c", {"v": np.zeros((2, 2), np.float16)}, 3)
        d = self.write("d", {"w": np.zeros((2, 2), np.float16)}, 4, arch="base")
        dst = os.path.join(self.dir, "avg")
        for dirs, words in (([a], "at least two"), ([a, b], "w: shape"), ([a, c], "other tensors"),
                            ([a, d], "differ in arch")):
            with self.assertRaisesRegex(ValueError, words):
                ckpt.main(["average", dst, *dirs])
        self.assertFalse(os.path.exists(dst))
        with self.assertRaisesRegex(ValueError, "integer tensor n"):
            ckpt.average([{"n": np.zeros(2, np.int32)}, {"n": np.ones(2, np.int32)}])


if __name__ == "__main__":
    unittest.main()
