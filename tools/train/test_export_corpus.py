"""export_hf.py writes the published Hugging Face layout; corpus.py reads shards as tools/synth writes them."""

import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ckpt  # noqa: E402
import corpus  # noqa: E402
import export_hf  # noqa: E402
from test_targets import ASSETS  # noqa: E402

import seeded_weights as sw  # noqa: E402  (path set by ckpt / export_hf)
import whisper_layouts as wl  # noqa: E402

EMBED = "model.decoder.embed_tokens.weight"


class Tmp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="train-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)


@unittest.skipUnless(ASSETS, "shared/assets not found")
class Export(Tmp):
    def make_ckpt(self, drop=()):
        rng = np.random.default_rng(0)
        spec = ckpt.seeded_embedding_spec(7)
        tensors = {}
        for t in sw.whisper_tensors("tiny"):
            if t.hf_name in drop:
                continue
            if t.hf_name == EMBED:
                emb = np.array(ckpt.base_tensor(spec))
                emb[:500] = (rng.standard_normal((500, 384)) * 0.05).astype(np.float16)
                tensors[EMBED] = emb
            else:
                tensors[t.hf_name] = (rng.standard_normal(t.shape) * 0.05).astype(np.float16)
        tensors["ctc_head.weight"] = np.zeros((39, 384), np.float16)
        d = os.path.join(self.dir, "ckpt")
        ckpt.pack(d, tensors, {"step": 10, "stage": 2}, rows={EMBED: spec})
        return d, tensors

    def test_layout_names_shapes_values(self):
        d, tensors = self.make_ckpt()
        out = os.path.join(self.dir, "model")
        export_hf.export([d], out, ASSETS, alignment_heads=[[2, 1], [3, 4]])
        self.assertEqual(sorted(os.listdir(out)), sorted(export_hf.HF_FILES + export_hf.PROVENANCE_FILES))
        with open(os.path.join(out, "LICENSE.openai-whisper"), encoding="utf-8") as f:
            self.assertIn("MIT License", f.read())
        st = export_hf.read_safetensors(os.path.join(out, "model.safetensors"))
        specs = {t.hf_name: t for t in sw.whisper_tensors("tiny")}
        self.assertEqual(set(st), set(specs))  # no CTC head, no proj_out (tied)
        for name, x in st.items():
            self.assertEqual(tuple(x.shape), specs[name].shape, name)
            want = np.asarray(tensors[name], np.float32).astype(np.float16).astype(np.float32)
            np.testing.assert_array_equal(x, want, err_msg=name)
        with open(os.path.join(out, "model.safetensors"), "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(n))
        self.assertEqual(header["__metadata__"], {"format": "pt"})
        self.assertTrue(all(e["dtype"] == "F16" for k, e in header.items() if k != "__metadata__"))
        with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        self.assertEqual(set(config), set(wl.config_json("tiny", "f16")))
        self.assertEqual((config["d_model"], config["encoder_layers"], config["decoder_layers"],
                          config["vocab_size"], config["num_mel_bins"], config["torch_dtype"]),
                         (384, 4, 4, 51865, 80, "float16"))
        with open(os.path.join(out, "generation_config.json"), encoding="utf-8") as f:
            gen = json.load(f)
        self.assertEqual(gen["alignment_heads"], [[2, 1], [3, 4]])
        self.assertEqual(gen["no_timestamps_token_id"], 50363)
        self.assertEqual(gen["lang_to_id"]["<|en|>"], 50259)
        # OpenAI's list minus the symbols the corpus writes (":" in times, " '" opening quotes)
        openai = wl.generation_config_json("tiny")["suppress_tokens"]
        self.assertEqual(sorted(set(openai) - set(gen["suppress_tokens"])), [25, 922])
        self.assertTrue(set(gen["suppress_tokens"]) < set(openai))
        size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
        self.assertLess(size, 90e6)

    def test_stage1_checkpoint_is_refused(self):
        dec = [t.hf_name for t in sw.whisper_tensors("tiny") if t.hf_name.startswith("model.decoder.")]
        d, _ = self.make_ckpt(drop=set(dec))
        with self.assertRaises(ValueError):
            export_hf.export([d], os.path.join(self.dir, "m"), ASSETS)

    def test_bad_alignment_head(self):
        with self.assertRaises(ValueError):
            export_hf.hf_config([[4, 0]])


class Corpus(Tmp):
    def test_trim(self):
        sr = 16000
        x = np.zeros(sr, np.float32)
        x[4000:9000] = 0.3 * np.sin(np.arange(5000) * 0.3)
        x += 1e-5 * np.random.default_rng(0).standard_normal(sr).astype(np.float32)
        a, b = corpus.trim_bounds(x)
        m = int(corpus.TRIM_MARGIN_S * sr)
        self.assertLessEqual(abs(a - (4000 - m)), 160)
        self.assertLessEqual(abs(b - (9000 + m)), 160)
        self.assertEqual(corpus.trim_bounds(np.zeros(100, np.float32)), (0, 100))

    def test_reads_shards_written_by_tools_synth(self):
        try:
            sys.path.insert(0, os.path.join(HERE, "..", "synth"))
            import shards  # noqa: PLC0415
        except ImportError:
            self.skipTest("tools/synth/shards.py not available")
        w = shards.ShardWriter(self.dir, "train-00000")
        rng = np.random.default_rng(1)
        for i in range(3):
            y = np.zeros(16000, np.float32)
            y[3000:12000] = 0.2 * rng.standard_normal(9000)
            w.add({"id": f"u{i}", "split": "train", "text": f"Hello number {i}.", "spoken": f"hello number {i}",
                   "voice": {"bucket": "b"}}, y)
        watcher = corpus.ShardWatcher([self.dir])
        self.assertEqual(watcher.poll(), [])  # nothing complete before close()
        w.close()
        self.assertEqual(watcher.poll(), [(self.dir, "train-00000")])
        self.assertEqual(watcher.poll(), [])
        entries, audio = corpus.read_shard(self.dir, "train-00000")
        a16, recs = corpus.prepare_shard(entries, audio, lambda s: [len(s)])
        self.assertEqual(len(recs), 3)
        self.assertEqual(a16.dtype, np.float16)
        self.assertEqual(a16.size, sum(r["n"] for r in recs))
        self.assertTrue(all(8000 < r["n"] < 11000 for r in recs), [r["n"] for r in recs])
        self.assertEqual(recs[1]["text_ids"], [len(" Hello number 1.")])
        self.assertEqual(recs[0]["ctc"][:5], [10, 7, 14, 14, 17])  # "hello"


class Batches(unittest.TestCase):
    """train.BatchMaker (numpy side; the audio gather runs on the GPU) on a fake pool."""

    def test_batch_layout(self):
        import threading

        try:
            import train  # noqa: PLC0415  (needs no torch at import)
        except ImportError as e:
            self.skipTest(f"train.py imports: {e}")
        import targets as T  # noqa: PLC0415

        rng = np.random.default_rng(3)

        class FakePool:
            pass

        pool = FakePool()
        pool.lock = threading.Lock()
        pool.n = 300
        pool.length = rng.integers(8_000, 200_000, 300)
        pool.start = np.concatenate([[0], np.cumsum(pool.length)[:-1]])
        pool.text_ids = [list(rng.integers(0, 50000, int(rng.integers(3, 40)))) for _ in range(300)]
        pool.ctc = [list(rng.integers(2, 39, int(rng.integers(5, 80)))) for _ in range(300)]
        pool.words_idx = list(range(0, 300, 7))

        class Args:
            batch = 16
            p_notimestamps = 0.4
            noise_prob = 0.5
            words_frac = 0.5
            p_prompt = 0.3
            p_nospeech = 0.1

        Args.batch = 64
        b = train.BatchMaker(pool, Args, 0).make()
        B, L = b["dec_in"].shape
        self.assertEqual(B, 64)
        self.assertLessEqual(L, T.MAX_TARGET_POSITIONS)
        first = b["dec_in"][:, 0]
        self.assertTrue(np.isin(first, [T.SOT, T.START_OF_PREV]).all())
        prompted = first == T.START_OF_PREV
        self.assertTrue(0 < prompted.sum() < B)
        # a prompted row continues with <|startoftranscript|> after its prompt; no label falls inside the prompt
        for row in np.nonzero(prompted)[0]:
            sot = int(np.nonzero(b["dec_in"][row] == T.SOT)[0][0])
            labels_here = b["lab_pos"][(b["lab_pos"] // L) == row] % L
            self.assertGreaterEqual(int(labels_here.min()), sot)
        quiet = (b["dec_in"][:, 0] == T.SOT) & (b["dec_in"][:, 1] == T.NO_CAPTIONS)
        self.assertTrue(quiet.any())
        self.assertTrue((b["ctc_l"][quiet] == 0).all())
        self.assertTrue((np.array(b["n_segs"])[quiet] == 0).all())
        self.assertEqual(b["lab_pos"].size, b["lab_val"].size)
        self.assertTrue(((b["lab_pos"] >= 0) & (b["lab_pos"] < B * L)).all())
        self.assertNotIn(T.TRANSCRIBE, set(b["lab_val"].tolist()))
        self.assertEqual(int(b["seg_len"].sum()), b["total"])
        win = b["seg_dst"] // T.WINDOW_SAMPLES
        at = b["seg_dst"] % T.WINDOW_SAMPLES
        self.assertTrue(((at + b["seg_len"]) <= T.WINDOW_SAMPLES).all())
        self.assertTrue((np.diff(win) >= 0).all())
        # whole utterances (their text is in the target), plus audio-only slivers at the window edges
        starts, lengths = pool.start[: pool.n], pool.length[: pool.n]
        owner = np.searchsorted(starts, b["seg_src"], side="right") - 1  # the utterance each piece comes from
        whole = (b["seg_src"] == starts[owner]) & (b["seg_len"] == lengths[owner])
        self.assertEqual(int(whole.sum()), sum(b["n_segs"]))
        edge = (at == 0) | (at + b["seg_len"] == T.WINDOW_SAMPLES)
        self.assertTrue(edge[~whole].all() and (b["seg_len"][~whole] <= 6400).all())
        self.assertGreater(int((~whole).sum()), 0)
        inside = [(pool.start[: pool.n] <= src) & (src + n <= pool.start[: pool.n] + pool.length[: pool.n])
                  for src, n in zip(b["seg_src"], b["seg_len"])]
        self.assertTrue(all(row.any() for row in inside))  # every piece lies inside one utterance's audio
        self.assertEqual(int(b["ctc_l"].sum()), b["ctc_t"].size)
        self.assertTrue(set(b["tokens"].tolist()) >= {T.SOT, T.EN, T.EOT})


if __name__ == "__main__":
    unittest.main()
