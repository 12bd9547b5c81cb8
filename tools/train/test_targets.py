"""Target sequences, window packing, special token ids (against the tokenizer files) and the BPE encoder."""

import base64
import hashlib
import json
import os
import sys
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "reference", "python"))
import targets as T  # noqa: E402
import whisper_layouts as wl  # noqa: E402

TOKENIZER_SUBDIR = os.path.join("whisper", "hf-onnx-community-whisper-base-tokenizer")


def find_assets():
    """shared/assets here, or the carried copy; None when neither exists."""
    cands = []
    if os.environ.get("VERBATIM_SHARED"):
        cands.append(os.path.join(os.environ["VERBATIM_SHARED"], "assets"))
    repo = os.path.abspath(os.path.join(HERE, "..", ".."))
    cands += [os.path.join(repo, "..", "shared", "assets"), os.path.join(repo, "shared", "assets"),
              os.path.join(repo, ".carry", "shared", "assets")]
    for c in cands:
        if os.path.isfile(os.path.join(c, TOKENIZER_SUBDIR, "tokenizer.json")):
            return c
    return None


ASSETS = find_assets()


class SpecialIds(unittest.TestCase):
    def test_constants_agree_with_reference_special_tokens(self):
        s = wl.SpecialTokens(51865)
        self.assertEqual((T.EOT, T.SOT, T.EN, T.TRANSLATE, T.TRANSCRIBE, T.START_OF_PREV, T.NO_CAPTIONS,
                          T.NO_TIMESTAMPS, T.TIMESTAMP_BEGIN, T.N_VOCAB),
                         (s.eot, s.sot, s.language_id("en"), s.translate, s.transcribe, s.start_of_prev,
                          s.no_captions, s.no_timestamps, s.timestamp_begin, s.n_vocab))
        self.assertEqual((T.SOT, T.EN, T.TRANSCRIBE, T.NO_TIMESTAMPS, T.TIMESTAMP_BEGIN),
                         (50258, 50259, 50359, 50363, 50364))

    @unittest.skipUnless(ASSETS, "shared/assets not found")
    def test_constants_agree_with_tokenizer_files(self):
        d = os.path.join(ASSETS, TOKENIZER_SUBDIR)
        with open(os.path.join(d, "tokenizer.json"), encoding="utf-8") as f:
            added = {a["content"]: a["id"] for a in json.load(f)["added_tokens"]}
        for content, i in T.SPECIAL_IDS.items():
            self.assertEqual(added[content], i, content)
        for k in (0, 1, 50, 777, 1500):
            self.assertEqual(added[f"<|{k * 0.02:.2f}|>"], T.TIMESTAMP_BEGIN + k)
        with open(os.path.join(d, "tokenizer_config.json"), encoding="utf-8") as f:
            dec = json.load(f)["added_tokens_decoder"]
        self.assertEqual(dec[str(T.NO_TIMESTAMPS)]["content"], "<|notimestamps|>")
        self.assertEqual(len(added), T.N_VOCAB - T.EOT)


class Timestamps(unittest.TestCase):
    def test_quantisation(self):
        self.assertEqual(T.timestamp_index(0), 0)
        self.assertEqual(T.timestamp_index(159), 0)
        self.assertEqual(T.timestamp_index(160), 1)   # 0.01 s rounds up to 0.02
        self.assertEqual(T.timestamp_index(320), 1)
        self.assertEqual(T.timestamp_index(479), 1)
        self.assertEqual(T.timestamp_index(480), 2)
        self.assertEqual(T.timestamp_index(16000), 50)  # 1.00 s
        self.assertEqual(T.timestamp_index(T.WINDOW_SAMPLES), 1500)
        self.assertEqual(T.timestamp_index(10 ** 9), 1500)
        self.assertEqual(T.timestamp_token(24_480), 50364 + 77)  # 1.53 s -> <|1.54|>
        self.assertAlmostEqual(T.token_seconds(50364 + 77), 1.54)


class Sequences(unittest.TestCase):
    SEGS = [(8_000, 40_000, [2425, 1002, 13]), (56_000, 80_160, [1012, 366, 291, 30])]

    def test_with_timestamps(self):
        seq = T.build_sequence(self.SEGS, timestamps=True)
        self.assertEqual(seq, [50258, 50259, 50359,
                               50364 + 25, 2425, 1002, 13, 50364 + 125,
                               50364 + 175, 1012, 366, 291, 30, 50364 + 251,
                               50257])

    def test_without_timestamps(self):
        seq = T.build_sequence(self.SEGS, timestamps=False)
        self.assertEqual(seq, [50258, 50259, 50359, 50363, 2425, 1002, 13, 1012, 366, 291, 30, 50257])

    def test_timestamps_never_decrease_and_segments_last(self):
        segs = [(0, 100, [1]), (100, 150, [2]), (150, 150, [3])]
        seq = T.build_sequence(segs, True)
        ts = [t for t in seq if T.is_timestamp(t)]
        self.assertTrue(all(b >= a for a, b in zip(ts, ts[1:])), ts)
        pairs = list(zip(ts[::2], ts[1::2]))
        self.assertTrue(all(b > a for a, b in pairs), pairs)

    def test_training_pair(self):
        seq = T.build_sequence(self.SEGS, timestamps=False)
        inp, lab = T.training_pair(seq)
        self.assertEqual(inp, seq[:-1])
        self.assertEqual(len(lab), len(inp))
        self.assertEqual(lab[:3], [50259, T.IGNORE, T.IGNORE])  # <|en|> learned, <|transcribe|>/<|notimestamps|> not
        self.assertEqual(lab[3:], seq[4:])
        inp, lab = T.training_pair(T.build_sequence(self.SEGS, timestamps=True))
        self.assertEqual(lab[:3], [50259, T.IGNORE, 50364 + 25])

    def test_prompt_plain_and_timestamped(self):
        rng = np.random.default_rng(5)
        plain = T.build_prompt(rng, [[10, 11], [12]], timestamps=False, max_len=100)
        self.assertEqual(plain, [T.START_OF_PREV, 10, 11, 12])
        ts = T.build_prompt(rng, [[10, 11], [12]], timestamps=True, max_len=100)
        self.assertEqual(ts[0], T.START_OF_PREV)
        self.assertEqual([t for t in ts[1:] if not T.is_timestamp(t)], [10, 11, 12])
        stamps = [t for t in ts if T.is_timestamp(t)]
        self.assertEqual(len(stamps), 4)
        self.assertEqual(stamps, sorted(stamps))
        self.assertTrue(T.is_timestamp(ts[1]) and T.is_timestamp(ts[-1]))

    def test_prompt_keeps_the_most_recent_tokens(self):
        rng = np.random.default_rng(1)
        p = T.build_prompt(rng, [[1, 2, 3], [4, 5, 6]], timestamps=False, max_len=4)
        self.assertEqual(p, [T.START_OF_PREV, 4, 5, 6])
        self.assertEqual(T.build_prompt(rng, [[1]], False, 1), [])

    def test_prompts_are_as_long_as_inference_makes_them_half_the_time(self):
        rng = np.random.default_rng(3)
        counts = [T.prompt_text_count(rng) for _ in range(2000)]
        self.assertEqual((min(counts), max(counts)), (1, 15))
        self.assertAlmostEqual(sum(c <= 3 for c in counts) / len(counts), 0.5, delta=0.05)
        self.assertEqual(T.MAX_PROMPT_TOKENS, 223)
        texts = [[100 + i] * 20 for i in range(15)]  # 300 tokens of earlier text: cut to whisper's 223
        self.assertEqual(len(T.build_prompt(rng, texts, False, T.MAX_PROMPT_TOKENS)), 223)

    def test_training_pair_ignores_the_prompt_and_start_of_transcript(self):
        seq = [T.SOT, T.EN, T.TRANSCRIBE, T.NO_TIMESTAMPS, 100, T.EOT]
        prompt = [T.START_OF_PREV, 7, 8]
        inp, lab = T.training_pair(prompt + seq, len(prompt))
        self.assertEqual(inp, prompt + seq[:-1])
        # predictions of 7, 8 and <|startoftranscript|> are not trained; <|en|> (at the SOT position) is
        self.assertEqual(lab, [T.IGNORE, T.IGNORE, T.IGNORE, T.EN, T.IGNORE, T.IGNORE, 100, T.EOT])

    def test_no_speech_sequence(self):
        inp, lab = T.training_pair(T.NO_SPEECH_SEQUENCE)
        self.assertEqual(inp, [T.SOT, T.NO_CAPTIONS])
        self.assertEqual(lab, [T.NO_CAPTIONS, T.EOT])

    def test_fit_segments_respects_448_positions(self):
        segs = [(i * 1000, i * 1000 + 500, [100] * 60) for i in range(10)]
        for ts in (True, False):
            k = T.fit_segments(segs, ts)
            self.assertLess(k, 10)
            self.assertLessEqual(len(T.build_sequence(segs[:k], ts)) - 1, T.MAX_TARGET_POSITIONS)
            self.assertGreater(len(T.build_sequence(segs[:k + 1], ts)) - 1, T.MAX_TARGET_POSITIONS)
        self.assertEqual(T.fit_segments(segs[:2], True), 2)

    def test_parse_generated(self):
        seq = [50364, 2425, 1002, 50364 + 60, 50364 + 80, 1012, 50364 + 150, 50257]
        segs = T.parse_timestamped(seq)
        self.assertEqual(len(segs), 2)
        self.assertAlmostEqual(segs[0][0], 0.0)
        self.assertAlmostEqual(segs[0][1], 1.2)
        self.assertEqual(segs[1][2], [1012])
        self.assertEqual(T.timestamps_ok(seq), (True, True))
        self.assertEqual(T.timestamps_ok([50364 + 9, 1, 50364 + 3]), (True, False))
        self.assertEqual(T.timestamps_ok([1, 2, 50257]), (False, True))


def drawer(rng: np.random.Generator, lens: np.ndarray):
    """pack_window's draw(): a random utterance of the given lengths, as (index, length)."""

    def draw():
        i = int(rng.integers(lens.size))
        return i, int(lens[i])

    return draw


class Packing(unittest.TestCase):
    def test_windows(self):
        rng = np.random.default_rng(0)
        lens = rng.integers(8_000, 160_000, 1000)
        draw = drawer(rng, lens)

        counts, late = [], []
        for _ in range(2000):
            placed = T.pack_window(rng, draw)
            self.assertGreaterEqual(len(placed), 1)
            counts.append(len(placed))
            self.assertLessEqual(placed[0][1], 5 * 16_000)  # first start <= 1.00 s, or <= 5 s (late starts)
            late.append(placed[0][1] > 16_000)
            for (u, s, n) in placed:
                self.assertEqual(n, lens[u])
                self.assertGreaterEqual(s, 0)
                self.assertLessEqual(s + n, T.WINDOW_SAMPLES)
            for (_, s0, n0), (_, s1, _) in zip(placed, placed[1:]):
                self.assertGreaterEqual(s1 - (s0 + n0), int(0.15 * 16000))
        counts = np.array(counts)
        self.assertGreater((counts == 1).mean(), 0.2)   # single-utterance windows
        self.assertGreater(counts.max(), 4)             # and well-filled ones
        self.assertTrue(0.08 < np.mean(late) < 0.2)      # p_late_start 0.15 (a late start may still be < 1 s)

    def test_long_pauses(self):
        rng = np.random.default_rng(3)
        lens = rng.integers(8_000, 80_000, 1000)
        draw = drawer(rng, lens)

        def gaps_s(placed):
            return [(s1 - (s0 + n0)) / 16000 for (_, s0, n0), (_, s1, _) in zip(placed, placed[1:])]

        # p_long_gap 1: every window with two or more utterances has exactly one pause of 2-20 s, after its 1st, 2nd
        # or 3rd utterance, and its other gaps are the usual 0.15-1.5 s; speech often follows the pause
        cfg = T.PackConfig(p_long_gap=1.0)
        after, speech_after = set(), 0
        for _ in range(2000):
            placed = T.pack_window(rng, draw, cfg)
            gaps = gaps_s(placed)
            long = [i for i, g in enumerate(gaps) if g > 1.5]
            for i, g in enumerate(gaps):
                self.assertTrue(2.0 <= g <= 20.0 if i in long else 0.15 <= g <= 1.5, gaps)
            self.assertLessEqual(len(long), 1, gaps)
            if long:
                after.add(long[0] + 1)
                speech_after += 1
            for (_, s, n) in placed:
                self.assertLessEqual(s + n, T.WINDOW_SAMPLES)
        self.assertEqual(after, {1, 2, 3})
        self.assertGreater(speech_after, 800)
        # the default: about one window in ten has one (p_long_gap 0.15, not in single-utterance windows)
        with_pause = np.mean([any(g > 1.5 for g in gaps_s(T.pack_window(rng, draw))) for _ in range(3000)])
        self.assertTrue(0.05 < with_pause < 0.15, with_pause)
        # p_long_gap 0 draws nothing more: the windows of earlier runs, placement for placement (the digest of these
        # 500 windows as the code before p_long_gap placed them)
        rng = np.random.default_rng(5)
        draw = drawer(rng, np.random.default_rng(4).integers(8_000, 80_000, 1000))
        digest = hashlib.sha256()
        for _ in range(500):
            digest.update(repr(T.pack_window(rng, draw, T.PackConfig(p_long_gap=0.0))).encode())
        self.assertEqual(digest.hexdigest()[:16], "d0bba22bb3f0158d")

    def test_edge_fragments_are_slivers_clear_of_the_utterances(self):
        rng = np.random.default_rng(2)
        lens = rng.integers(8_000, 160_000, 1000)
        draw = drawer(rng, lens)

        seen = {"start": 0, "end": 0}
        for _ in range(3000):
            placed = T.pack_window(rng, draw)
            for (u, offset, s, n) in T.edge_fragments(rng, placed, draw):
                self.assertTrue(320 <= n <= int(0.4 * 16000))
                self.assertTrue(offset == 0 or offset + n == lens[u])  # a head or a tail of the utterance
                if s == 0:
                    seen["start"] += 1
                    self.assertEqual(offset + n, lens[u])
                    self.assertLessEqual(n + 1600, placed[0][1] if placed else T.WINDOW_SAMPLES)
                else:
                    seen["end"] += 1
                    self.assertEqual((offset, s + n), (0, T.WINDOW_SAMPLES))
                    self.assertLessEqual(placed[-1][1] + placed[-1][2] + 1600, s)
        # p_edge_fragment 0.15 per edge; a start sliver needs the first utterance to begin late enough
        self.assertGreater(seen["start"], 100)
        self.assertGreater(seen["end"], 100)

    def test_long_utterance_alone(self):
        rng = np.random.default_rng(1)
        placed = T.pack_window(rng, lambda: (0, 470_000))
        self.assertTrue(placed == [] or (len(placed) == 1 and placed[0][1] + 470_000 <= T.WINDOW_SAMPLES))


class Ctc(unittest.TestCase):
    def test_chars(self):
        self.assertEqual(T.ctc_text("Three dollars, and FIFTY-one cents!"), "three dollars and fifty one cents")
        self.assertEqual(T.ctc_text("Don\u2019t   stop"), "don't stop")
        ids = T.ctc_ids("ab c")
        self.assertEqual(ids, [3, 4, 1, 5])
        self.assertEqual(T.ctc_decode([0, 3, 3, 0, 3, 4, 4, 1, 1, 0, 5, 0]), "aab c")
        self.assertEqual(T.N_CTC, 39)


@unittest.skipUnless(ASSETS, "shared/assets not found")
class Bpe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from bpe import BPE

        cls.bpe = BPE(os.path.join(ASSETS, TOKENIZER_SUBDIR))

    def test_known_ids(self):
        self.assertEqual(self.bpe.encode(" Hello world"), [2425, 1002])
        self.assertEqual(self.bpe.encode(" Hello world, it's $3.50 at 3:45 p.m."),
                         [2425, 1002, 11, 309, 311, 1848, 18, 13, 2803, 412, 805, 25, 8465, 280, 13, 76, 13])

    def test_round_trip(self):
        for s in (" Hello world.", " naïve café, 21st of March?", " Zyzzyva quokkas! 1,000,000 — yes", " \u65e5\u672c"):
            ids = self.bpe.encode(s)
            self.assertTrue(all(i < T.EOT for i in ids))
            self.assertEqual(self.bpe.decode(ids), s)
        self.assertEqual(self.bpe.decode([50364, 2425, 50257, 1002]), " Hello world")

    def test_agrees_with_rank_bpe_of_multilingual_tiktoken(self):
        """An independent encoder: tiktoken's rank-based merging over multilingual.tiktoken."""
        ranks = {}
        with open(os.path.join(ASSETS, "whisper", "multilingual.tiktoken"), "rb") as f:
            for line in f:
                if line.strip():
                    tok, r = line.split()
                    ranks[base64.b64decode(tok)] = int(r)

        def rank_bpe(piece: bytes):
            parts = [piece[i:i + 1] for i in range(len(piece))]
            while len(parts) > 1:
                best = min(range(len(parts) - 1), key=lambda i: ranks.get(parts[i] + parts[i + 1], 1 << 30))
                if parts[best] + parts[best + 1] not in ranks:
                    break
                parts[best:best + 2] = [parts[best] + parts[best + 1]]
            return [ranks[p] for p in parts]

        rng = np.random.default_rng(2)
        words = ["the", "quick", "Brown", "fox's", "jumped", "overthe", "lazy", "dogs", "3:45", "$12.50", "p.m.",
                 "antidisestablishmentarianism", "réSumé", "x", "Zanzibar", "1999", "don't", "?!", "--", "naïveté"]
        for _ in range(300):
            text = " " + " ".join(rng.choice(words, int(rng.integers(1, 12))))
            want = []
            for piece in self.bpe.pattern.findall(text):
                want += rank_bpe(piece.encode("utf-8"))
            self.assertEqual(self.bpe.encode(text), want, text)


if __name__ == "__main__":
    unittest.main()
