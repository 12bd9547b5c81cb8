"""python3 -m unittest discover tools/aligner"""

import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import forced_align as fa  # noqa: E402


def peaked(T, V, path, sharp=8.0):
    """Log-probabilities whose argmax at frame t is path[t]."""
    x = np.zeros((T, V))
    x[np.arange(T), path] = sharp
    return x - np.log(np.exp(x).sum(1, keepdims=True))


class ViterbiTest(unittest.TestCase):
    def test_follows_the_argmax_path_when_it_is_a_valid_alignment(self):
        # blank 0; tokens a=1, b=2: frames  _ a a _ _ b _
        path = [0, 1, 1, 0, 0, 2, 0]
        states = fa.viterbi(peaked(7, 3, path), [1, 2])
        self.assertEqual(states.tolist(), [0, 1, 1, 2, 2, 3, 4])
        self.assertEqual(fa.token_spans(states, 2), [(1, 2), (5, 5)])

    def test_repeated_tokens_need_a_blank_between_them(self):
        # "aa": the path must pass through the blank between the two a's even where the model says "a"
        states = fa.viterbi(peaked(4, 2, [1, 1, 1, 1]), [1, 1])
        spans = fa.token_spans(states, 2)
        self.assertLess(spans[0][1], spans[1][0])
        self.assertIn(2, states.tolist())  # the blank state between them

    def test_equals_exhaustive_search_on_small_random_cases(self):
        rng = np.random.default_rng(3)
        for _ in range(40):
            T, V = int(rng.integers(3, 7)), 4
            toks = [int(t) for t in rng.integers(1, V, size=int(rng.integers(1, 3)))]
            lp = np.log(rng.dirichlet(np.ones(V), size=T))
            try:
                states = fa.viterbi(lp, toks)
            except ValueError:
                continue
            ext = [0]
            for t in toks:
                ext += [t, 0]
            best = brute_force(lp, ext, toks)
            got = sum(lp[t, ext[s]] for t, s in enumerate(states))
            self.assertAlmostEqual(got, best, places=9)

    def test_too_few_frames_is_an_error(self):
        with self.assertRaises(ValueError):
            fa.viterbi(np.zeros((2, 3)), [1, 2, 1])

    def test_word_spans_in_seconds_with_a_delimiter(self):
        # _ a a | b _ : words [a] and [b], delimiter 3
        lp = peaked(6, 4, [0, 1, 1, 3, 2, 0])
        self.assertEqual(fa.align_words(lp, [[1], [2]], delimiter=3), [(0.02, 0.06), (0.08, 0.1)])


def brute_force(lp, ext, toks):
    """Best log-probability over every valid CTC path (exhaustive)."""
    import itertools

    T, S = lp.shape[0], len(ext)
    best = -np.inf
    for seq in itertools.product(range(S), repeat=T):
        if seq[0] not in (0, 1) or seq[-1] not in (S - 1, S - 2):
            continue
        ok = True
        for a, b in zip(seq, seq[1:]):
            d = b - a
            if d == 2 and not (ext[b] != 0 and ext[b] != ext[b - 2]):
                ok = False
            if d < 0 or d > 2:
                ok = False
        if ok:
            best = max(best, sum(lp[t, ext[s]] for t, s in enumerate(seq)))
    return best


if __name__ == "__main__":
    unittest.main()
