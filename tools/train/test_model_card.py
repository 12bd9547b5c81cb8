"""The model card's data and licence sections name what the training texts came from."""

import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ckpt  # noqa: E402
import model_card  # noqa: E402
import prose  # noqa: E402  (model_card put tools/synth on the path)


class ModelCard(unittest.TestCase):
    def setUp(self):
        self.model = tempfile.mkdtemp(prefix="card-test-")
        with open(os.path.join(self.model, "generation_config.json"), "w", encoding="utf-8") as f:
            json.dump({"alignment_heads": [[2, 3]]}, f)

    def tearDown(self):
        shutil.rmtree(self.model, ignore_errors=True)

    def card(self, *flags):
        return model_card.card(model_card.parse_args(["--model", self.model, *flags]))

    def test_prose_sources_with_their_packages_and_licences(self):
        self.assertTrue(all(src.title and src.licence for src in prose.SOURCES.values()))
        text = self.card("--prose", "--wordnet")
        for src in prose.SOURCES.values():
            self.assertIn(f"{src.title} (`{src.package}`)", text)
        self.assertIn("FOLDOC (GFDL-1.1+)", text)
        self.assertIn("Debian Reference, GCIDE's Webster-1913 usage quotations (GPL-2+)", text)
        self.assertIn("WordNet 3.0's usage examples", text)

    def test_without_the_flags_no_prose_is_claimed(self):
        text = self.card()
        self.assertNotIn("prose", text)
        self.assertNotIn("WordNet", text)

    def test_steps_runs_and_the_average_come_from_the_checkpoint(self):
        import numpy as np

        runs = [{"seconds": 1800}, {"seconds": 1800.0}, {"seconds": 0}]
        ckpt.pack(os.path.join(self.model, "avg"), {"w": np.zeros(2, np.float16)},
                  {"step": 77999, "averaged_steps": [59713, 68975, 77999], "history": {"runs": runs}})
        text = self.card("--ckpt", os.path.join(self.model, "avg"), "--gpu-minutes", "10 H100")
        self.assertIn("77,999 optimizer steps in 3 runs (1.0 h of wall-clock time on the GPU", text)
        self.assertIn("GPU time 10 H100 GPU-minutes", text)
        self.assertIn("mean of the checkpoints at steps 59,713, 68,975 and 77,999 (`ckpt.py average`)", text)
        ckpt.pack(os.path.join(self.model, "one"), {"w": np.zeros(2, np.float16)}, {"step": 5, "history": {}})
        text = self.card("--ckpt", os.path.join(self.model, "one"))
        self.assertIn("5 optimizer steps in 0 runs", text)
        self.assertNotIn("mean of", text)
        with self.assertRaises(SystemExit):  # one or the other
            self.card("--ckpt", os.path.join(self.model, "one"), "--steps", "5")


if __name__ == "__main__":
    unittest.main()
