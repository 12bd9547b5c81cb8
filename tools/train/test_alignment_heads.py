"""python3 -m unittest discover -s tools/train -t tools/train"""

import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alignment_heads as ah  # noqa: E402


class Dtw(unittest.TestCase):
    def test_follows_a_diagonal_band(self):
        # 3 tokens over 9 frames, each token owning 3 frames
        w = np.zeros((3, 9))
        for t in range(3):
            w[t, 3 * t:3 * t + 3] = 1.0
        self.assertEqual(ah.token_start_frames(w).tolist(), [0, 3, 6])

    def test_path_is_monotonic_and_covers_both_ends(self):
        rng = np.random.default_rng(2)
        ti, fi = ah.dtw_path(rng.random((5, 12)))
        self.assertEqual((ti[0], fi[0], ti[-1], fi[-1]), (0, 0, 4, 11))
        self.assertTrue((np.diff(ti) >= 0).all() and (np.diff(fi) >= 0).all())
        self.assertTrue(((np.diff(ti) + np.diff(fi)) >= 1).all())

    def test_minimal_cost_against_exhaustive_search(self):
        rng = np.random.default_rng(4)
        for _ in range(20):
            cost = rng.random((3, 4))
            ti, fi = ah.dtw_path(cost)
            self.assertAlmostEqual(cost[ti, fi].sum(), brute(cost), places=12)


class Normalise(unittest.TestCase):
    def test_standardises_each_frame_then_filters(self):
        att = np.array([[1.0, 0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0, 0.0]])
        x = ah.normalise(att, width=1)
        np.testing.assert_allclose(x.mean(0), 0.0, atol=1e-12)
        np.testing.assert_allclose(np.abs(x), 1.0, atol=1e-6)
        # a width-3 median removes a one-frame spike
        spike = np.zeros((2, 7))
        spike[0, :] = 1.0
        spike[0, 3] = 0.0
        spike[1, 3] = 1.0
        self.assertGreater(ah.normalise(spike, width=3)[0, 3], 0)

    def test_word_first_tokens(self):
        self.assertEqual(ah.word_first_tokens([" Hel", "lo", " wor", "ld", ","]), [0, 2])

    def test_boundary_errors_are_zero_in_the_silence_before_a_word(self):
        previous_end = np.array([0.0, 1.0, 2.0, 3.0])
        true_start = np.array([0.4, 1.3, 2.1, 3.5])
        placed = np.array([0.2, 0.9, 2.25, 3.5])  # inside, 0.1 early, 0.15 late, exactly at the start
        np.testing.assert_allclose(ah.boundary_errors(placed, previous_end, true_start), [0.0, 0.1, 0.15, 0.0])


def brute(cost):
    """Minimal cost over all monotonic paths with steps (1,1), (1,0), (0,1)."""
    N, M = cost.shape
    best = {}

    def go(i, j):
        if (i, j) in best:
            return best[(i, j)]
        if i == N - 1 and j == M - 1:
            return cost[i, j]
        options = []
        for di, dj in ((1, 1), (1, 0), (0, 1)):
            if i + di < N and j + dj < M:
                options.append(go(i + di, j + dj))
        best[(i, j)] = cost[i, j] + min(options)
        return best[(i, j)]

    return go(0, 0)


if __name__ == "__main__":
    unittest.main()
