"""The validation normaliser and error rates."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import textnorm as N  # noqa: E402


class Normalise(unittest.TestCase):
    def test_examples(self):
        cases = {
            "Hello, World!": "hello world",
            "It's $3.50 at 4:25 p.m.": "its $3.50 at 4:25 pm",
            "Meet me at 7 a.m. sharp.": "meet me at 7 am sharp",
            "That costs 1,000,000 dollars; 15% off.": "that costs 1000000 dollars 15% off",
            "Well-known [MUSIC] (laughs) facts...": "well known facts",
            "Don\u2019t  stop   believing?": "dont stop believing",
            "The end. 3.": "the end 3",
            "Café naïve résumé": "cafe naive resume",
            "March 3rd, 2021": "march 3rd 2021",
            "": "",
        }
        for text, want in cases.items():
            self.assertEqual(N.normalize(text), want, text)

    def test_spelling_map(self):
        self.assertEqual(N.normalize("The colour of honour", {"colour": "color", "honour": "honor"}),
                         "the color of honor")

    def test_idempotent(self):
        for s in ("It's $3.50 at 4:25 p.m.", "Hello,world", "a.m. p.m.", "Mr. O'Neil's 21st-century car"):
            once = N.normalize(s)
            self.assertEqual(N.normalize(once), once)


class Rates(unittest.TestCase):
    def test_edit_distance(self):
        self.assertEqual(N.edit_distance([], []), 0)
        self.assertEqual(N.edit_distance([], ["a"]), 1)
        self.assertEqual(N.edit_distance(list("kitten"), list("sitting")), 3)
        self.assertEqual(N.edit_distance("a b c d".split(), "a x c".split()), 2)

    def test_wer(self):
        rate, err, words = N.wer(["Hello, world.", "The cat sat."], ["hello world", "the bat sat on"])
        self.assertEqual((err, words), (2, 5))
        self.assertAlmostEqual(rate, 0.4)
        self.assertEqual(N.wer(["It's 4:25 p.m."], ["its 4:25 pm"])[1], 0)

    def test_cer(self):
        rate, err, chars = N.cer(["abc", "de"], ["abd", "de"])
        self.assertEqual((err, chars), (1, 5))


if __name__ == "__main__":
    unittest.main()
