"""The model card's data and licence sections name what the training texts came from."""

import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

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


if __name__ == "__main__":
    unittest.main()
