"""Tests of the corpus builder. Run from the repository root or this folder:

    python3 -m unittest discover -s tools/synth -p 'test_*.py'
    cd tools/synth && python3 -m unittest test_synth

unittest only (no pytest). Tests that need espeak-ng or the Debian text packages are skipped, with the reason,
where those are missing.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import math
import os
import shutil
import struct
import sys
import tempfile
import unittest
import zlib

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import alignset  # noqa: E402
import augment  # noqa: E402
import build_corpus  # noqa: E402
import dsp  # noqa: E402
import engines  # noqa: E402
import prose  # noqa: E402
import shards  # noqa: E402
import splits  # noqa: E402
import textgen  # noqa: E402

# On a machine without Debian's packages (the GPU machine), point these at a carry_espeak.sh bundle:
#   SYNTH_ESPEAK_PATH=DEST SYNTH_TEXT_ROOT=DEST/share python3 -m unittest ...
ESPEAK_PATH = os.environ.get("SYNTH_ESPEAK_PATH") or None
TEXT_ROOT = os.environ.get("SYNTH_TEXT_ROOT") or None
HAVE_ESPEAK = shutil.which("espeak-ng") is not None or bool(ESPEAK_PATH)
try:
    textgen.find_fortunes_dir(TEXT_ROOT)
    textgen.find_words_file(TEXT_ROOT)
    HAVE_TEXTS = True
except textgen.MissingResource:
    HAVE_TEXTS = False
NEED_TTS = unittest.skipUnless(HAVE_ESPEAK and HAVE_TEXTS,
                               "needs espeak-ng, fortunes and wamerican (apt-get install espeak-ng fortunes wamerican)")


def sine(freq, sr, seconds, amp=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return amp * np.sin(2 * np.pi * freq * t)


def tone_freq_amp(y, sr):
    """Least-squares frequency (refined around the FFT peak) and amplitude of a pure tone."""
    n = y.size
    win = np.hanning(n)
    spec = np.abs(np.fft.rfft(y * win, 8 * n))
    k = int(np.argmax(spec))
    a, b, c = np.log(spec[k - 1:k + 2])
    k_ref = k + 0.5 * (a - c) / (a - 2 * b + c)
    f = k_ref * sr / (8 * n)
    t = np.arange(n) / sr
    m = np.stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)], 1)
    coef, *_ = np.linalg.lstsq(m, y, rcond=None)
    return f, float(np.hypot(*coef))


def db(p):
    return 10 * math.log10(p)


# --------------------------------------------------------------------------------------------------------------


class ResamplerTest(unittest.TestCase):
    def test_1khz_sine_from_22050_keeps_frequency_and_amplitude(self):
        x = sine(1000.0, 22050, 1.0)
        y = dsp.resample(x, 22050, 16000)
        self.assertEqual(y.size, 16000)
        self.assertEqual(y.dtype, np.float32)
        mid = y[800:-800]
        f, amp = tone_freq_amp(mid.astype(np.float64), 16000)
        self.assertAlmostEqual(f, 1000.0, delta=0.5)
        self.assertAlmostEqual(amp, 0.5, delta=0.5 * 0.002)
        # and sample by sample against the ideal 16 kHz sine (no delay)
        ideal = sine(1000.0, 16000, 1.0)
        self.assertLess(np.max(np.abs(y[800:-800] - ideal[800:-800])), 1e-4)

    def test_other_rates(self):
        for sr_in in (8000, 32000, 44100, 48000):
            y = dsp.resample(sine(1000.0, sr_in, 0.5), sr_in, 16000)
            self.assertEqual(y.size, 8000)
            ideal = sine(1000.0, 16000, 0.5)
            self.assertLess(np.max(np.abs(y[600:-600] - ideal[600:-600])), 1e-4, sr_in)

    def test_rejects_aliases(self):
        # 10 kHz is above the 8 kHz Nyquist frequency of the output: it must not fold back to 6 kHz
        y = dsp.resample(sine(10000.0, 22050, 1.0), 22050, 16000)
        self.assertLess(db(np.mean(y[800:-800].astype(np.float64) ** 2) / 0.125), -60.0)

    def test_dc_and_length(self):
        y = dsp.resample(np.ones(22050), 22050, 16000)
        self.assertEqual(y.size, 16000)
        self.assertLess(np.max(np.abs(y[500:-500] - 1.0)), 1e-5)
        self.assertEqual(dsp.resample(np.ones(7), 22050, 16000).size, 6)


class WavTest(unittest.TestCase):
    def test_placeholder_sizes(self):
        x = sine(440.0, 22050, 0.3)
        data = dsp.wav_bytes(x, 22050, placeholder_sizes=True)
        # the header claims 0x7ffff000 data bytes, far more than there are
        self.assertEqual(int.from_bytes(data[40:44], "little"), 0x7FFFF000)
        y, sr = dsp.parse_wav(data)
        self.assertEqual(sr, 22050)
        self.assertEqual(y.size, x.size)
        self.assertLess(np.max(np.abs(y - x)), 1.0 / 32767 + 1e-6)

    def test_zero_and_ffffffff_sizes_and_extra_chunks(self):
        x = sine(440.0, 16000, 0.1)
        data = bytearray(dsp.wav_bytes(x, 16000))
        pcm = bytes(data[44:])
        head = bytes(data[:36])
        extra = b"LIST" + (6).to_bytes(4, "little") + b"abcdef"
        for size in (0, 0xFFFFFFFF):
            blob = head + extra + b"data" + size.to_bytes(4, "little") + pcm + b"\x01"  # odd trailing byte
            y, sr = dsp.parse_wav(blob)
            self.assertEqual((sr, y.size), (16000, x.size))

    def test_rejects_garbage(self):
        with self.assertRaises(dsp.WavError):
            dsp.parse_wav(b"not a wav file at all")

    @unittest.skipUnless(HAVE_ESPEAK, "needs espeak-ng")
    def test_espeak_stdout(self):
        e = engines.Espeak(ESPEAK_PATH)
        raw = engines._run(e.command({"voice": "en-us", "variant": "", "rate": 170, "pitch": 50, "volume": 100,
                                      "gap": 0}), input_bytes=b"Hello there.", env=e.env).stdout
        self.assertGreater(len(raw), 1000)
        self.assertIn(int.from_bytes(raw[40:44], "little"), (0x7FFFF000, len(raw) - 44))
        y, sr = dsp.parse_wav(raw)
        self.assertEqual(sr, 22050)
        self.assertEqual(y.size, (len(raw) - 44) // 2)
        self.assertGreater(np.max(np.abs(y)), 0.05)


class AugmentTest(unittest.TestCase):
    def setUp(self):
        # a 1 s tone burst between 0.5 s of silence on each side: the speech level is the burst's
        self.x = np.concatenate([np.zeros(8000), sine(440.0, 16000, 1.0, 0.3), np.zeros(8000)])
        self.p_burst = 0.3 ** 2 / 2

    def test_snr_within_half_a_db(self):
        rng = np.random.default_rng(0)
        pool = [sine(f, 16000, 0.7, 0.2) * (1 + np.sin(np.arange(11200) / 700.0)) for f in (150, 210, 330)]
        for kind in ("white", "pink", "babble"):
            for snr in (0.0, 5.0, 10.0, 20.0, 30.0):
                ops = [{"op": "noise", "kind": kind, "snr_db": snr, "seed": int(rng.integers(1 << 30)),
                        "talkers": 4}]
                y = augment.apply_chain(self.x, ops, pool).astype(np.float64)
                noise = y - self.x
                got = db(self.p_burst / np.mean(noise ** 2))
                self.assertLess(abs(got - snr), 0.5, (kind, snr, got))

    def test_pink_spectrum_slope(self):
        n = augment.pink_noise(np.random.default_rng(1), 1 << 16)
        p = np.abs(np.fft.rfft(n)) ** 2
        f = np.fft.rfftfreq(n.size, 1 / 16000)
        lo = p[(f > 100) & (f < 200)].mean()
        hi = p[(f > 1000) & (f < 2000)].mean()
        self.assertAlmostEqual(db(lo / hi), 10.0, delta=1.5)  # 1/f: 10 dB per decade

    def test_telephone_attenuates_5khz_and_passes_1khz(self):
        t5 = augment.telephone(sine(5000.0, 16000, 1.0), mulaw=False)
        t1 = augment.telephone(sine(1000.0, 16000, 1.0), mulaw=False)
        t100 = augment.telephone(sine(100.0, 16000, 1.0), mulaw=False)
        p = lambda y: np.mean(y[2000:-2000] ** 2)
        ref = 0.125
        self.assertLess(db(p(t5) / ref), -50.0)
        self.assertLess(abs(db(p(t1) / ref)), 0.5)
        self.assertLess(db(p(t100) / ref), -15.0)
        self.assertEqual(t5.size, 16000)
        mu = augment.telephone(sine(1000.0, 16000, 1.0), mulaw=True)
        self.assertLess(abs(db(p(mu) / ref)), 1.0)

    def test_reverb_decay(self):
        rng = np.random.default_rng(3)
        h = augment.reverb_ir(rng, rt60=0.5, drr_db=0.0, predelay_ms=5.0)
        tail = h[80:]
        edc = np.cumsum((tail ** 2)[::-1])[::-1]
        edc_db = 10 * np.log10(edc / edc[0])
        t = np.arange(tail.size) / 16000
        sel = (edc_db < -5) & (edc_db > -35)
        slope = np.polyfit(t[sel], edc_db[sel], 1)[0]  # dB per second
        self.assertAlmostEqual(-60.0 / slope, 0.5, delta=0.05)
        self.assertAlmostEqual(db(h[0] ** 2 / np.sum(tail ** 2)), 0.0, delta=0.01)
        y = augment.apply_chain(self.x, [{"op": "reverb", "rt60": 0.5, "drr_db": 3.0, "predelay_ms": 5.0,
                                          "seed": 1}])
        self.assertEqual(y.size, self.x.size)

    def test_gain_and_clip(self):
        y = augment.apply_chain(self.x, [{"op": "gain", "peak_dbfs": -12.0}])
        self.assertAlmostEqual(20 * math.log10(np.max(np.abs(y))), -12.0, delta=0.01)
        y = augment.apply_chain(self.x, [{"op": "gain", "peak_dbfs": -3.0}, {"op": "clip", "drive_db": 6.0}])
        self.assertEqual(float(np.max(np.abs(y))), 1.0)
        self.assertGreater(np.mean(np.abs(y) >= 1.0), 0.05)

    def test_chain_is_seeded(self):
        ops = augment.sample_chain(np.random.default_rng(5), 1.0)
        a = augment.apply_chain(self.x, ops, [self.x])
        b = augment.apply_chain(self.x, ops, [self.x])
        self.assertTrue(np.array_equal(a, b))


class TextTest(unittest.TestCase):
    def test_numbers(self):
        self.assertEqual(textgen.int_words(1234), "one thousand two hundred thirty four")
        self.assertEqual(textgen.int_words(3000000), "three million")
        self.assertEqual([textgen.ordinal_suffix(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)],
                         ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"])
        self.assertEqual(textgen.ordinal_words(21), "twenty first")
        self.assertEqual(textgen.ordinal_words(40), "fortieth")
        self.assertEqual(textgen.ordinal_words(12), "twelfth")
        self.assertEqual(textgen.year_words(1984), "nineteen eighty four")
        self.assertEqual(textgen.year_words(1905), "nineteen oh five")
        self.assertEqual(textgen.year_words(2007), "two thousand seven")
        self.assertEqual(textgen.year_words(2021), "twenty twenty one")
        self.assertEqual(textgen.decade_words(1990), "nineteen nineties")

    def test_templates_written_and_spoken(self):
        rng = np.random.default_rng(0)
        for _ in range(300):
            cat, t = textgen.TEMPLATES[int(rng.integers(len(textgen.TEMPLATES)))]
            w, s = textgen.fill_template(rng, t)
            self.assertFalse(any(c.isdigit() for c in s), s)
            self.assertNotIn("$", s)
            self.assertNotIn("%", s)
            self.assertTrue(w[0].isupper() and w[-1] in ".?!", w)
            self.assertNotIn("..", w)

    def test_markov_sentences_are_new_and_built_from_the_sources_trigrams(self):
        sources = ["The cat sat on the mat.", "The cat ate the fish today.", "A dog sat on the porch all day.",
                   "The dog ate the bone on the mat."]
        m = textgen.MarkovText(sources)
        rng = np.random.default_rng(3)
        seen = set()
        for _ in range(50):
            t = m.sample(rng, min_words=4)
            if t is None:
                continue
            seen.add(t)
            self.assertNotIn(t, sources)
            self.assertTrue(t[0].isupper() and t[-1] in ".!?", t)
            words = ["<s>", "<s>"] + t.split() + ["</s>"]
            for a, b, c in zip(words, words[1:], words[2:]):  # every trigram occurs in a source
                self.assertIn(c, m.next[(a, b)], t)
        self.assertGreater(len(seen), 2)
        self.assertIsNone(textgen.MarkovText([]).sample(rng))

    def test_normalise_sentence(self):
        n = textgen.normalise_sentence
        self.assertEqual(n("  a gift of a flower will soon be made to you  "), "A gift of a flower will soon be made to you.")
        self.assertEqual(n("A day for firm decisions!!!!!"), "A day for firm decisions!")
        self.assertIsNone(n("Too short."))
        self.assertIsNone(n("There are 10 kinds of people in the world."))
        self.assertIsNone(n("Use the GNU compiler for this job today."))
        self.assertIsNone(n("Mr. Smith went to the town hall on foot."))
        self.assertIsNone(n(" ".join(["word"] * 19) + "."))


class WordNetExamplesTest(unittest.TestCase):
    """WordNet's usage examples as training texts, from a miniature of its data files (no package needed)."""

    DATA = {
        "data.noun": [
            "  1 This software and database is being provided to you, the LICENSEE, by Princeton University",
            '00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived; "the child was a little '
            'fidgety"; "it was an entity of great renown"',
            '00002137 03 n 01 grin 0 000 | a smile; "a boyish grin"',  # 3 words: too short
            '00002452 03 n 01 quarry 0 000 | a pit; "a British term for \'quarry\' is \'stone pit\'"',
            "00002684 03 n 01 thing 0 000 | a separate object",  # no example
        ],
        "data.verb": ['00001740 29 v 01 breathe 0 000 | draw air; "She breathed deeply before the long dive"'],
        "data.adj": ['00001740 00 a 01 able 0 000 | having the means; "The child\'s able to swim already"'],
        "data.adv": [],
    }

    def write(self, d):
        for name, lines in self.DATA.items():
            with open(os.path.join(d, name), "w", encoding="latin-1") as f:
                f.write("\n".join(lines) + "\n")

    def test_examples_become_whisper_style_sentences(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d)
            self.assertEqual(textgen.wordnet_examples_from_data(d), [
                "It was an entity of great renown.", "She breathed deeply before the long dive.",
                "The child was a little fidgety.", "The child's able to swim already."])
            # examples.txt, when carried, is what is read
            with open(os.path.join(d, "examples.txt"), "w") as f:
                f.write("One sentence of the carried file.\nAnother sentence from the carried file.\n")
            self.assertEqual(textgen.load_wordnet_examples(d),
                             ["One sentence of the carried file.", "Another sentence from the carried file."])
        with tempfile.TemporaryDirectory() as root:
            with self.assertRaises(textgen.MissingResource) as caught:
                textgen.find_wordnet_dir(root)
            self.assertIn("wordnet-base", str(caught.exception))
            os.makedirs(os.path.join(root, "wordnet"))
            self.write(os.path.join(root, "wordnet"))
            self.assertEqual(textgen.find_wordnet_dir(root), os.path.join(root, "wordnet"))


class ProseTest(unittest.TestCase):
    """Prose sentences as training texts, from miniatures of each package's format (no package needed)."""

    DOCBOOK = """<html><head><title>Handbook</title><link rel="stylesheet" href="x.css"/></head><body>
<ul class="docnav"><li class="home">The Debian Administrator's Handbook</li></ul>
<div class="titlepage"><h2 class="title">Package Tools Overview</h2></div>
<div class="para">
  Both tools are built on top of the same library and are thus very close. Use <code class="command">apt</code>
  for everyday work. Debian has existed since 1993. Visit https://www.debian.org for more news today.
</div>
<div class="para">The secure shell protocol (SSH) was designed with security in mind.<sup>[<a href="#f1">1</a>]</sup>
  A short one. An administrator should read the <span class="emphasis"><em>release notes</em></span> before upgrading.
  Install the package <span class="pkg pkg">debian-handbook</span> to read this book offline.</div>
<ul class="itemizedlist"><li class="listitem"><div class="para">A list item is never taken as a sentence.</div></li></ul>
<pre class="screen">This is shown on the screen, not said.</pre>
<div class="para">You are encouraged to obtain information by typing the following. THIS SENTENCE SHOUTS AT EVERY READER.
  Mr. Smith wrote most of this chapter in one long night.</div>
</body></html>"""

    MALLARD = """<page xmlns="http://projectmallard.org/1.0/" xmlns:if="http://projectmallard.org/if/1.0/" id="a">
  <info><desc>Change how the screen looks in the evening.</desc><credit><name>Someone Else</name></credit></info>
  <title>Screen brightness</title>
  <p>You can change the brightness of your screen to save power. Open the <gui>Settings</gui> panel to begin.</p>
  <p>Press <key>Super</key> to open the overview right away. See <link xref="power"/> for more about this.</p>
  <if:choose><if:when test="platform:gnome-classic"><p>Classic mode shows a menu at the top instead.</p></if:when>
  <if:else><p>The overview shows all of your open windows side by side.</p></if:else></if:choose>
  <steps><item><p>Click on the brightness slider in the panel.</p></item></steps>
  <media type="image" src="x.png"><p>A picture caption is not a sentence here.</p></media>
</page>"""

    DICTD = """00-database-short
     The Devil's Dictionary (1881-1906)

ABASEMENT, n.  A decent and customary mental attitude in the presence
of wealth or power.  Peculiarly appropriate in an _employee_ when
addressing an employer.

    Poor Isabella's Dead, whose abdication
    Set all tongues wagging in the Spanish nation.
                                                                  G.J.

ADMIRAL, n.  That part of a war-
ship which does the talking while the figure-head does the thinking.
"""

    FORTUNE = """There is an inverse relationship between imagination and money.
\t\t-- Alan Moore
%
Resignation is death. Revolt is life, said the old man to his young friends.
\t\t-- Albert Libertad
%
"""

    # the three dictd databases below are written with an index, as their packages ship them: (headwords, entry)
    JARGON = [
        (["00-database-short"], "00-database-short\n     The Jargon File (version 4.4.7, 29 Dec 2003)\n"),
        (["bogus", "bogosity"], """bogus
 /boh'gus/, adj.

    1. [WPI, Yale] Non-functional; useless; false. A program may be called
    bogus when it has been written by a {bogon}. See {bogosity}.

    2. Incorrect or wrong, as a {hacker} would say of a {
    cuspy} solution that turned out to be wrong after all. Compare {bogon}, {
    kluge}; see also {crock}.

        Historical footnote: a block indented further is a quotation, an
        example or verse, and it is never read as prose here.

"""),
        (["cat"], """cat
 /kat/, vt.

    [from the Unix program] Under Unix, cat(1) prints a whole file to the screen.
    Most CPUs have a bit bucket of some kind inside them. He said that real
    programmers can write assembly code in any language, and then he left.

"""),
    ]
    FOLDOC = [
        (["Actors"], """Actors

   <theory> A model for {concurrency} by {Carl Hewitt}.  Actors
   are autonomous and concurrent {objects} which execute
   {asynchronously}.  Write to the author <dbh@doc.ic.ac.uk> for a copy of the list.

   {(http://osl.cs.uiuc.edu/)}.

   ["Laws for Communicating Parallel Processes", C. Hewitt et al,
   IFIP 77, pp. 987-992, N-H 1977].

   (1999-11-23)

"""),
        (["actor"], """actor

   1. <programming> In {object-oriented} programming, an {object}
   which exists as a {concurrent} process.

   2. <web> Someone who waits tables __for now__, and keeps sending his
   resumes to {the company (http://cnet.com/)} because you have to pay dues.

   See also {Actors}.

   (1998-04-04)

"""),
    ]
    GCIDE = [
        (["Spirit"], """Spirit \\Spir"it\\, v. t. [imp. & p. p. {Spirited}; p. pr. & vb.
   n. {Spiriting}.]
   1. To animate with vigor; to excite; to encourage; as, civil
      dissensions often spirit the ambition of private men.
      [1913 Webster]

            Many officers and private men spirit up and assist
            those obstinate people to continue in their
            rebellion.                            --Swift.
      [1913 Webster]

   2. To convey rapidly and secretly, or mysteriously, as if by
      the agency of a spirit; to kidnap.
      [1913 Webster]

            The ministry had him spirited away, and carried
            abroad as a dangerous person.         --Arbuthnot &
                                                  Pope.
      [1913 Webster]

            A man so faint, so spiritless,
            So dull, so dead in look, so woebegone. --Shak.
      [1913 Webster]

            [He] was spirited away to some castle of antiquity.
                                                  --Willis.
      [1913 Webster]

"""),
        (["Spiritful"], """Spiritful \\Spir"it*ful\\, a.
   Full of spirit; spirited. [R.]
   [1913 Webster]

         The spiritful and orderly life of our own grown men.
                                                  --Milton.
   [1913 Webster] -- {Spir"it*ful*ly}, adv. --
   {Spir"it*ful*ness}, n.
   [1913 Webster]

         I saw great C[ae]sar come and conquer them all at once.
                                                  --Shak.
   [1913 Webster]

"""),
        (["spirited away"], """spirited away \\spirited away\\ v
   the child was spirited away by the kidnappers in the night
   [WordNet 1.5]

"""),
    ]

    @staticmethod
    def dictd_pair(entries):
        """A dictd database: the data (gzip, as dictzip's .dict.dz is) and the index, 'headword TAB offset TAB
        length' in base-64 digits, sorted by headword."""
        data, lines = b"", []
        for heads, text in entries:
            raw = text.encode()
            for h in heads:
                lines.append((h.lower(), h, len(data), len(raw)))
            data += raw

        def b64(n):
            digits = ""
            while True:
                digits = prose.DICTD_DIGITS[n % 64] + digits
                n //= 64
                if not n:
                    return digits
        index = "".join(f"{h}\t{b64(o)}\t{b64(n)}\n" for _, h, o, n in sorted(lines))
        return gzip.compress(data), index

    OSIS = ('<div osisID="Gen" type="book" sID="b1"/><title type="main">The First Book of Moses</title>'
            '<div type="x-p" sID="p1"/><chapter osisID="Gen.1" sID="Gen.1"/><w lemma="strong:H7225">In the '
            'beginning</w>, God created the heavens and the earth.<note type="x-footnote">Or, the sky above.</note> '
            'The earth was formless and empty.<div type="x-p" sID="p2"/>God said, <q who="God">\u201cLet there be '
            'light,\u201d</q> and there was light.')

    # the later sources' formats: tfortunes (epigram, attribution, "---- tags"), a scripture's numbered verses, HTML
    # laid out in a table, Endless Sky's backticked conversations (speech in double quotes, "<placeholders>")
    TFORTUNE = """The best way to predict the weather is to look out of the window.
        -- Someone Wise (2001)
---- weather
A good plan today is better than a perfect plan
tomorrow, so start now.                 -- A Manager (1999)
---- work,society
A poet named Lee
Wrote verse for a fee.
---- fun,limerick
Never trust a computer that you cannot lift.  -- Unknown
---- comp,offfensive
"""

    VERSES = """THE SAYINGS

1. The Pairs

Anger never ends through more anger; it ends through
kindness alone, and that is an old law. 5

The careful man is glad here and glad beyond. He sees his own
good deeds and rejoices at them.
16

Those who are awake - that is what I call wise. 17-18
"""

    LAYOUT = """<HTML><HEAD><TITLE>Chapter 5</TITLE></HEAD><BODY>
<P ALIGN=CENTER><a href="ch4web.htm">INDEX</a> <a href="ch6web.htm">NEXT</a></P>
<table width="620"><tr><td><div align="center">
<p align="left"><font face="Times"><b>The phenomenon</b> that started at a university
  reached us in a subtle way. It was hard to recognize it as the same thing.</font></p>
<p align="left">The home computer had gone into full bloom by then.</p></div></td></tr></table></BODY></HTML>"""

    BACKTICK = """# Copyright (c) 2014 by Someone
mission "Example"
\tdescription "Travel to the <system> system and deliver the cargo there right away."
\ton offer
\t\tconversation
\t\t\t`The mood in the spaceport is solemn today.`
\t\t\t`\tYou find the captain among the fleet. When he sees you he says, "Captain <last>! Where is your ship?"`
\t\t\tchoice
\t\t\t\t`\t"She took a bit of a pounding, but she is fine."`
\t\t\t`\t"Glad to hear it," he says. "We must press our advantage before they call for help."`
"""

    def write_root(self, root):
        """The sources laid out as their packages unpack them."""
        def put(rel, data, mode="w"):
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, mode) as f:
                f.write(data)
        put("usr/share/doc/debian-handbook/html/en-US/apt.html", self.DOCBOOK)
        put("usr/share/debian-reference/ch01.en.html", self.DOCBOOK.replace("secure shell", "secure copy"))
        put("usr/share/debian-reference/ch01.fr.html", "<p>Un autre livre dans une autre langue que celle-ci.</p>")
        put("usr/share/help/C/gnome-help/screen.page", self.MALLARD)
        with gzip.open(os.path.join(root, "devil.gz"), "wb") as f:
            f.write(self.DICTD.encode())
        os.makedirs(os.path.join(root, "usr/share/dictd"), exist_ok=True)
        os.replace(os.path.join(root, "devil.gz"), os.path.join(root, "usr/share/dictd/devil.dict.dz"))
        put("usr/share/games/fortunes/anarchism", self.FORTUNE)
        for name, entries in (("jargon", self.JARGON), ("foldoc", self.FOLDOC), ("gcide", self.GCIDE)):
            data, index = self.dictd_pair(entries)
            put(f"usr/share/dictd/{name}.dict.dz", data, "wb")
            put(f"usr/share/dictd/{name}.index", index)
        blocks = [zlib.compress(self.OSIS.encode()), zlib.compress(b'<div type="x-p" sID="p3"/>Amen, so be it.')]
        index, data = b"", b""
        for b, raw in zip(blocks, (self.OSIS.encode(), b"")):
            index += struct.pack("<III", len(data), len(b), len(zlib.decompress(b)))
            data += b
        module = "usr/share/sword/modules/texts/ztext/engWEB2015eb/"
        put(module + "ot.bzs", index, "wb")
        put(module + "ot.bzz", data, "wb")
        put("usr/share/games/tfortunes/epigrams/en.tfortunes", self.TFORTUNE)
        put("usr/share/display-dhammapada/dhammapada-english-transl.txt", self.VERSES)
        put("usr/share/display-dhammapada/dhammapada-alternate.txt", self.VERSES.replace("careful", "watchful"))
        put("usr/share/doc/cfi-en/html/ch5web.htm", self.LAYOUT)
        put("usr/share/games/endless-sky/data/missions.txt", self.BACKTICK)
        # the manuals, in the existing formats: one page each (LibreOffice's and Python's in subfolders too)
        page = "<html><body><p>This page of the {} manual is read as well.</p></body></html>"
        put("usr/share/gimp/2.0/help/en/layers.html", page.format("paint"))
        put("usr/share/doc/python3.11/html/tutorial/classes.html", page.format("snake"))
        put("usr/share/doc/python3.11/html/about.html", page.format("language"))
        put("usr/share/doc/python3.11/html/_sources/about.txt", "This source is not read as a page at all.")
        put("usr/share/libreoffice/help/en-US/text/swriter/main.html", page.format("office"))
        put("usr/share/developers-reference/pkgs.html", page.format("developers"))
        put("usr/share/doc/debian/FAQ/ftparchives.en.html", page.format("questions"))
        put("usr/share/doc/debian/FAQ/ftparchives.fr.html", "<p>Une page dans une autre langue que celle-ci.</p>")

    def test_each_format(self):
        with tempfile.TemporaryDirectory() as root:
            self.write_root(root)
            found = prose.extract(root, list(prose.SOURCES))
        self.assertEqual(found["debian-handbook"], [
            "Both tools are built on top of the same library and are thus very close.",
            "The secure shell protocol was designed with security in mind.",
            "An administrator should read the release notes before upgrading."])
        self.assertEqual(found["debian-reference"][1], "The secure copy protocol was designed with security in mind.")
        self.assertEqual(len(found["debian-reference"]), 3)  # the French page is not read
        self.assertEqual(found["gnome-help"], [
            "You can change the brightness of your screen to save power.",
            "Open the Settings panel to begin.",
            "The overview shows all of your open windows side by side."])
        self.assertEqual(found["devil"], [
            "A decent and customary mental attitude in the presence of wealth or power.",
            "Peculiarly appropriate in an employee when addressing an employer.",
            "That part of a war-ship which does the talking while the figure-head does the thinking."])
        self.assertEqual(found["anarchism"], [
            "There is an inverse relationship between imagination and money.",
            "Revolt is life, said the old man to his young friends."])
        self.assertEqual(found["web"], ["In the beginning, God created the heavens and the earth.",
                                        "The earth was formless and empty.", "Amen, so be it."])
        # the dictionaries: cross references' braces, sources in brackets, subjects, senses' numbers, URLs, italics
        # removed; pointers ("See {bogosity}.", "Compare {bogon}, {kluge}; see also {crock}."), e-mail addresses,
        # "cat(1)", "CPUs", further indented blocks, verse, "[He]", "C[ae]sar", definitions and WordNet left out
        self.assertEqual(found["jargon"], [
            "A program may be called bogus when it has been written by a bogon.",
            "Incorrect or wrong, as a hacker would say of a cuspy solution that turned out to be wrong after all.",
            "He said that real programmers can write assembly code in any language, and then he left."])
        self.assertEqual(found["foldoc"], [
            "A model for concurrency by Carl Hewitt.",
            "Actors are autonomous and concurrent objects which execute asynchronously.",
            "In object-oriented programming, an object which exists as a concurrent process.",
            "Someone who waits tables for now, and keeps sending his resumes to the company because you have to pay "
            "dues."])
        self.assertEqual(found["gcide"], [
            "Many officers and private men spirit up and assist those obstinate people to continue in their "
            "rebellion.",
            "The ministry had him spirited away, and carried abroad as a dangerous person.",
            "The spiritful and orderly life of our own grown men."])
        # the later sources: attributions, limericks and offensive epigrams, verse numbers, a spaced dash, the
        # table's navigation, the quotation marks around speech, placeholders and the mission's description dropped
        self.assertEqual(found["tfortunes"], [
            "The best way to predict the weather is to look out of the window.",
            "A good plan today is better than a perfect plan tomorrow, so start now."])
        self.assertEqual(found["dhammapada"], [
            "Anger never ends through more anger; it ends through kindness alone, and that is an old law.",
            "The careful man is glad here and glad beyond.", "He sees his own good deeds and rejoices at them."])
        self.assertEqual(found["dhammapada-muller"][1], "The watchful man is glad here and glad beyond.")
        self.assertEqual(found["cfi"], ["The phenomenon that started at a university reached us in a subtle way.",
                                        "It was hard to recognize it as the same thing.",
                                        "The home computer had gone into full bloom by then."])
        # why it has a format of its own: the markup reader skips tables, so only the navigation is read
        self.assertEqual([x for p in prose.markup_paragraphs(self.LAYOUT) for x in prose.sentences_of(p)], [])
        self.assertEqual(found["endless-sky"], [
            "The mood in the spaceport is solemn today.", "Where is your ship?",
            "You find the captain among the fleet.", "She took a bit of a pounding, but she is fine.",
            "We must press our advantage before they call for help."])
        for name, word in (("gimp-help", "paint"), ("libreoffice-help", "office"),
                           ("developers-reference", "developers"), ("debian-faq", "questions")):
            self.assertEqual(found[name], [f"This page of the {word} manual is read as well."])
        self.assertEqual(found["python-doc"], ["This page of the language manual is read as well.",
                                               "This page of the snake manual is read as well."])  # path order
        with tempfile.TemporaryDirectory() as root:
            with self.assertRaises(textgen.MissingResource) as caught:
                prose.extract(root, ["devil"])
            self.assertIn("dict-devil", str(caught.exception))

    def test_dictd_index(self):
        self.assertEqual([prose.dictd_number(d) for d in ("A", "B", "Ba", "BAA", "/")], [0, 1, 90, 4096, 63])
        with tempfile.TemporaryDirectory() as root:
            data, index = self.dictd_pair(self.JARGON)
            with open(os.path.join(root, "jargon.dict.dz"), "wb") as f:
                f.write(data)
            with open(os.path.join(root, "jargon.index"), "w") as f:
                f.write(index)
            entries = prose.dictd_entries(os.path.join(root, "jargon.dict.dz"))
        # the database's own entry left out; "bogus" and "bogosity" point at one entry, read once; in data order
        self.assertEqual([e.split("\n")[0] for e in entries], ["bogus", "cat"])
        self.assertEqual(index.split("\n")[0], "00-database-short\tA\tBE")  # 68 bytes
        f = prose._dictd_markup
        self.assertEqual(f("See {bit\n    bucket}. Compare {nick}, {screen name}. Antonym of {pop}; see also {stack}."),
                         "")
        self.assertEqual(f("2. <web> Sent to {C|Net (http://cnet.com/)}; see {pay __your__ dues} today."),
                         "Sent to C|Net (http://cnet.com/); see pay your dues today.")
        self.assertEqual(f("Type cat(1) or mail <a@b.org> now."), f"Type cat{prose.CODE} or mail {prose.CODE} now.")

    def test_dictd_caps(self):
        """The dictionaries' caps: a seeded draw of each source's own, the same every time and whatever is drawn
        from the other sources."""
        self.assertEqual((prose.SOURCES["jargon"].cap, prose.SOURCES["foldoc"].cap, prose.SOURCES["gcide"].cap),
                         (0, 5000, 8000))
        with tempfile.TemporaryDirectory() as root:
            self.write_root(root)
            found = prose.extract(root, ["jargon", "foldoc", "gcide"])
        kept, counts = prose.select(found, None, {"foldoc": 2, "gcide": 1}, seed=0)
        self.assertEqual(kept, [
            "A model for concurrency by Carl Hewitt.",
            "A program may be called bogus when it has been written by a bogon.",
            "He said that real programmers can write assembly code in any language, and then he left.",
            "In object-oriented programming, an object which exists as a concurrent process.",
            "Incorrect or wrong, as a hacker would say of a cuspy solution that turned out to be wrong after all.",
            "The spiritful and orderly life of our own grown men."])
        self.assertEqual(counts["foldoc"], {"extracted": 4, "unique": 4, "leak_dropped": 0, "capped": 2})
        self.assertEqual(kept, prose.select(found, None, {"foldoc": 2, "gcide": 1}, seed=0)[0])
        alone, _ = prose.select({"gcide": found["gcide"]}, None, {"gcide": 1}, seed=0)
        self.assertEqual(alone, ["The spiritful and orderly life of our own grown men."])
        self.assertNotEqual(prose.select(found, None, {"foldoc": 2, "gcide": 1}, seed=1)[0], kept)

    def test_sentence_filter(self):
        f = prose.sentences_of
        self.assertEqual(f("The quick test passes; the slow one waits. Short one. It has 3 digits in it today."),
                         ["The quick test passes; the slow one waits."])
        self.assertEqual(f("Many" + " words" * 24 + ". Many" + " words" * 25 + "."), ["Many" + " words" * 24 + "."])
        self.assertEqual(f("See the file at /etc/apt/sources.list for details now. Read the NEWS file first of all."),
                         [])
        self.assertEqual(f("A famous book was written by St. Paul in the city. He called it 'the book' then."), [])
        self.assertEqual(f("lower case start is a fragment here. Type the commands as follows."), [])
        self.assertEqual(f("Most people (but not all of them) like it a lot."), ["Most people like it a lot."])

    def test_leak_guard(self):
        fortunes = ["The quick brown fox jumps over the lazy dog.", "Love thy neighbour now.", "A short one."]
        g = prose.NgramGuard(fortunes)
        self.assertTrue(g.leaks("Yesterday THE quick-brown fox jumps, over fences."))  # case, hyphen, punctuation
        self.assertFalse(g.leaks("The quick brown fox sleeps over the lazy cat."))  # 4 words in a row only
        self.assertTrue(g.leaks("I said you should love thy neighbour now and then."))  # a 4-word fortune whole
        self.assertFalse(g.leaks("Love thy neighbour as thyself."))
        found = {"a": ["One prose sentence that is quite safe.", "Then the quick brown fox jumps again.",
                       "One prose sentence, that is quite safe!"],
                 "b": ["Another safe sentence for the corpus.", "One prose sentence that is quite safe.",
                       "A third safe sentence for the corpus."]}
        kept, counts = prose.select(found, g)
        self.assertEqual(kept, ["A third safe sentence for the corpus.", "Another safe sentence for the corpus.",
                                "One prose sentence that is quite safe."])
        self.assertEqual(counts["a"], {"extracted": 3, "unique": 2, "leak_dropped": 1, "capped": 0})
        self.assertEqual(counts["total"]["kept"], 3)
        # caps: a seeded draw, the same every time
        one, _ = prose.select(found, g, {"b": 1}, seed=3)
        self.assertEqual(len(one), 2)
        self.assertEqual(one, prose.select(found, g, {"b": 1}, seed=3)[0])
        self.assertEqual(len(prose.select(found, g, limit=1)[0]), 1)

    def test_file_written_and_found(self):
        with tempfile.TemporaryDirectory() as root:
            self.write_root(os.path.join(root, "pkgs"))
            fortunes = os.path.join(root, "fortunes")
            os.makedirs(fortunes)
            with open(os.path.join(fortunes, "planted"), "w") as f:
                f.write("The earth was formless and empty.\n%\nAn administrator should read the release notes.\n%\n"
                        "Real programmers can write assembly code in any language.\n%\n")
            text_root = os.path.join(root, "share")
            with self.assertRaises(textgen.MissingResource):
                prose.find_prose_dir(text_root)
            os.makedirs(os.path.join(text_root, "prose"))
            out = os.path.join(text_root, "prose", "sentences.txt")
            log = io.StringIO()
            with contextlib.redirect_stderr(log):
                prose.main(["--root", os.path.join(root, "pkgs"), "--fortunes", fortunes, "--out", out])
            self.assertIn("prose total: extracted 49, unique 45, leak_dropped 3, capped 0, kept 42", log.getvalue())
            self.assertIn("prose jargon: extracted 3, unique 3, leak_dropped 1, capped 0", log.getvalue())
            got = prose.load_prose(prose.find_prose_dir(text_root))
        self.assertEqual(len(got), 42)
        self.assertEqual(got, sorted(got))
        self.assertNotIn("The earth was formless and empty.", got)  # equal to a fortune
        self.assertNotIn("An administrator should read the release notes before upgrading.", got)  # 5 words shared
        self.assertIn("Amen, so be it.", got)
        self.assertNotIn("He said that real programmers can write assembly code in any language, and then he left.",
                         got)  # a fortune quoted in the Jargon File
        self.assertIn("The spiritful and orderly life of our own grown men.", got)


class TrimTest(unittest.TestCase):
    def test_trim_bounds(self):
        x = np.concatenate([np.zeros(1000), sine(300.0, 16000, 0.25, 0.4), np.zeros(2000)])
        a, b = dsp.trim_bounds(x, 16000)
        self.assertLessEqual(abs(a - 1000), 2)
        self.assertLessEqual(abs(b - 5000), 2)
        self.assertEqual(dsp.trim_bounds(np.zeros(100), 16000), (0, 0))


class JoinTest(unittest.TestCase):
    def test_join_words_known_boundaries(self):
        words = [np.concatenate([np.zeros(300), sine(200.0 + 50 * i, 16000, 0.2, 0.3), np.zeros(500)])
                 for i in range(3)]
        layout = {"lead_ms": 100.0, "gaps_ms": [50.0, 125.0], "tail_ms": 200.0}
        y, w, gaps = alignset.join_words(["a", "b", "c."], words, layout)
        self.assertEqual(gaps, [800, 2000])
        self.assertEqual(w[0]["start"], 1600)
        for i in range(3):
            self.assertAlmostEqual(w[i]["end"] - w[i]["start"], 3200, delta=4)
        self.assertEqual(w[1]["start"] - w[0]["end"], 800)
        self.assertEqual(y.size, w[-1]["end"] + 3200)


# --------------------------------------------------------------------------------------------------------------

_BUILT: dict = {}


def build_small(seed: int, workers: int, n: int = 16) -> str:
    key = (seed, workers, n)
    if key not in _BUILT:
        out = tempfile.mkdtemp(prefix="synth-test-")
        args = build_corpus.parse_args(["--out", out, "--n-utterances", str(n), "--seed", str(seed), "--workers",
                                        str(workers), "--engines", "espeak", "--n-align", "3", "--babble-pool", "3",
                                        "--shard-size", "6", "--quiet", "--augment-prob", "0.9",
                                        # raise the held-out shares so that a tiny corpus has test items
                                        "--test-fraction", "0.3", "--valid-fraction", "0.1"]
                                       + (["--espeak-path", ESPEAK_PATH] if ESPEAK_PATH else [])
                                       + (["--text-root", TEXT_ROOT] if TEXT_ROOT else []))
        build_corpus.build(args)
        _BUILT[key] = out
    return _BUILT[key]


def tearDownModule():
    for d in _BUILT.values():
        shutil.rmtree(d, ignore_errors=True)


def corpus_digest(d: str) -> dict:
    out = {}
    with open(os.path.join(d, "manifest.jsonl"), "rb") as f:
        out["manifest"] = hashlib.sha256(f.read()).hexdigest()
    for name in sorted(os.listdir(os.path.join(d, "shards"))):
        with open(os.path.join(d, "shards", name), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


@NEED_TTS
class CorpusTest(unittest.TestCase):
    def test_determinism_same_seed_any_workers(self):
        a = corpus_digest(build_small(7, 1))
        b = corpus_digest(build_small(7, 2))
        self.assertEqual(a, b)
        entries = shards.read_manifest(build_small(7, 2))
        self.assertEqual(len({e["sha1"] for e in entries}), len(entries))
        c = corpus_digest(build_small(8, 2))
        self.assertNotEqual(a["manifest"], c["manifest"])

    def test_manifest_and_audio(self):
        d = build_small(7, 2)
        r = shards.AudioReader(d)
        entries = shards.read_manifest(d)
        self.assertEqual({e["split"] for e in entries} >= {"train", "test", "align"}, True)
        for e in entries:
            y = r.audio(e)
            self.assertEqual(y.size, e["num_samples"])
            self.assertEqual(hashlib.sha1(y.astype("<f2").tobytes()).hexdigest(), e["sha1"])
            self.assertLessEqual(float(np.max(np.abs(y))), 1.0)
            self.assertGreater(float(np.max(np.abs(y))), 1e-3)
            self.assertGreater(e["duration"], 0.3)
            for k in ("id", "text", "voice", "augment", "split"):
                self.assertIn(k, e)

    def test_alignment_word_timings(self):
        d = build_small(7, 2)
        r = shards.AudioReader(d)
        al = shards.read_manifest(d, "align")
        self.assertGreater(len(al), 0)
        for e in al:
            y = r.audio(e).astype(np.float64)
            words = e["words"]
            self.assertEqual([w["word"] for w in words], e["text"].split())
            env = dsp.envelope(y, 16000, 0.005)
            thr = float(env.max()) * 10 ** (-50 / 20)
            # lead-in, gaps and tail are digital silence
            self.assertEqual(float(np.max(np.abs(y[:words[0]["start"]]), initial=0)), 0.0)
            self.assertEqual(float(np.max(np.abs(y[words[-1]["end"]:]), initial=0)), 0.0)
            for i, w in enumerate(words):
                seg = y[w["start"]:w["end"]]
                self.assertGreater(seg.size, 320)
                # each word's region has energy: within 30 dB of the utterance's loudest word
                self.assertGreater(db(np.mean(seg ** 2) / np.mean(y[y != 0] ** 2)), -30.0, w)
                # and it starts and ends where the word's energy crosses the trim threshold
                self.assertGreater(np.max(np.abs(seg[:80])), 0.0)
                self.assertGreater(np.max(np.abs(seg[-80:])), 0.0)
                if i + 1 < len(words):
                    nxt = words[i + 1]
                    self.assertEqual(nxt["start"] - w["end"], e["gaps"][i])
                    self.assertEqual(float(np.max(np.abs(y[w["end"]:nxt["start"]]), initial=0)), 0.0)
            del thr

    def test_split_disjointness(self):
        def plan_args(*extra):
            return build_corpus.parse_args(["--out", "/nonexistent", "--n-utterances", "2500", "--n-align", "200",
                                            "--seed", "11", *extra])

        def assert_held_out_unchanged(other):
            """valid, test and align items of `other` are those of the plan without options"""
            for s in ("valid", "test", "align"):
                self.assertEqual([it for it in other if it["split"] == s], [it for it in items if it["split"] == s], s)

        src = textgen.TextSources.load(TEXT_ROOT)
        eng = engines.make_engines(["espeak"] + (["flite"] if shutil.which("flite") else []), ESPEAK_PATH)
        args = plan_args()
        items = build_corpus.Planner(args, src, eng).plan()
        by = {s: [it for it in items if it["split"] == s] for s in ("train", "valid", "test", "align")}
        self.assertTrue(all(by.values()), {k: len(v) for k, v in by.items()})
        key = lambda it: splits.text_key(it["text"])
        train_texts = {key(it) for it in by["train"]}
        train_buckets = {it["voice"]["bucket"] for it in by["train"] + by["valid"]}
        train_variants = {it["voice"]["variant"] for it in by["train"] + by["valid"] if it["voice"]["engine"] == "espeak"}
        for s in ("valid", "test", "align"):
            self.assertFalse(train_texts & {key(it) for it in by[s]}, s)
        for s in ("test", "align"):
            self.assertFalse(train_buckets & {it["voice"]["bucket"] for it in by[s]}, s)
            self.assertFalse({key(it) for it in by["valid"]} & {key(it) for it in by[s]})
            for it in by[s]:
                if it["voice"]["heldout"] == "variant":
                    self.assertNotIn(it["voice"]["variant"], train_variants)
        # the classes are functions of the text / bucket alone: recomputing them agrees
        for it in items[:500]:
            self.assertEqual(splits.text_class(it["text"], 0.02, 0.05), splits.TEXT_CLASS_OF_SPLIT[it["split"]])

        # --markov-frac: new sentences in training only, walked from training fortunes; test and valid unchanged
        args_m = plan_args("--markov-frac", "0.5")
        planner = build_corpus.Planner(args_m, src, eng)
        items_m = planner.plan()
        markov = [it for it in items_m if it["text_kind"] == "markov"]
        self.assertGreater(len(markov), 200)
        self.assertEqual({it["split"] for it in markov}, {"train"})
        train_fortunes = set(planner.fortunes["train"])
        all_fortunes = set(src.sentences)
        for it in markov:
            self.assertNotIn(it["text"], all_fortunes)
            self.assertEqual(it["text"], it["spoken"])
        self.assertTrue(train_fortunes)
        assert_held_out_unchanged(items_m)

        # --examples-frac: usage examples in training only; an example equal to a valid or test sentence (planted
        # here) is never drawn; valid, test and align items unchanged
        held_out = [it["text"] for it in items if it["split"] in ("valid", "test") and it["text_kind"] == "fortune"]
        examples = [f"The example number {textgen.int_words(i)} is here." for i in range(300)] + held_out[:20]
        args_x = plan_args("--examples-frac", "0.4")
        planner_x = build_corpus.Planner(args_x, src, eng, examples)
        self.assertFalse(set(planner_x.examples) & set(held_out))
        items_x = planner_x.plan()
        drawn = [it for it in items_x if it["text_kind"] == "example"]
        self.assertGreater(len(drawn), 600)
        self.assertEqual({it["split"] for it in drawn}, {"train"})
        self.assertTrue({it["text"] for it in drawn} <= set(planner_x.examples))
        assert_held_out_unchanged(items_x)
        with self.assertRaises(textgen.MissingResource):
            build_corpus.Planner(args_x, src, eng, None)

        # --prose-frac: prose sentences in training only; one equal to a valid or test sentence, or holding five
        # words in a row of any fortune (planted here), is never drawn; valid, test and align items unchanged
        quoted = [f"Someone once wrote that {s[0].lower()}{s[1:]}" for s in held_out[20:40]]
        prose_texts = [f"The prose line number {textgen.int_words(i)} is here." for i in range(300)]
        planted = held_out[:20] + quoted
        args_p = plan_args("--prose-frac", "0.3")
        planner_p = build_corpus.Planner(args_p, src, eng, None, prose_texts + planted)
        self.assertFalse(set(planner_p.prose) & set(planted))
        self.assertEqual(len(planner_p.prose), sum(splits.text_class(s, 0.02, 0.05) == "train" for s in prose_texts))
        items_p = planner_p.plan()
        drawn_p = [it for it in items_p if it["text_kind"] == "prose"]
        self.assertGreater(len(drawn_p), 500)
        self.assertEqual({it["split"] for it in drawn_p}, {"train"})
        self.assertTrue({it["text"] for it in drawn_p} <= set(planner_p.prose))
        assert_held_out_unchanged(items_p)
        with self.assertRaises(textgen.MissingResource):
            build_corpus.Planner(args_p, src, eng, None, None)

        # both together: one draw decides, so the examples are those drawn without --prose-frac, and prose joins them
        args_xp = plan_args("--examples-frac", "0.4", "--prose-frac", "0.3")
        items_xp = build_corpus.Planner(args_xp, src, eng, examples, prose_texts).plan()
        kinds = [it["text_kind"] for it in items_xp if it["split"] == "train"]
        self.assertEqual([it for it in items_xp if it["text_kind"] == "example"], drawn)
        self.assertAlmostEqual(kinds.count("prose") / len(kinds), 0.3, delta=0.04)
        assert_held_out_unchanged(items_xp)
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            build_corpus.parse_args(["--out", "/x", "--n-utterances", "9", "--examples-frac", "0.6", "--prose-frac",
                                     "0.5"])

        # --train-text-mix and --train-engine-weights: training texts and voices only; valid, test and align unchanged
        args_w = plan_args("--train-text-mix", "words=3,template=1",
                           "--train-engine-weights", "espeak=0,flite=1" if "flite" in eng else "espeak=1")
        items_w = build_corpus.Planner(args_w, src, eng).plan()
        train_w = [it for it in items_w if it["split"] == "train"]
        kinds_w = [it["text_kind"] for it in train_w]
        self.assertNotIn("fortune", kinds_w)
        self.assertAlmostEqual(kinds_w.count("words") / len(kinds_w), 0.75, delta=0.04)
        if "flite" in eng:
            self.assertEqual({it["voice"]["engine"] for it in train_w}, {"flite"})
        assert_held_out_unchanged(items_w)
        for bad in (["--train-text-mix", "fortune=1,poems=1"], ["--train-text-mix", "words"],
                    ["--train-text-mix", "words=-1"], ["--train-text-mix", "words=0"],
                    ["--train-engine-weights", "espeak=x"]):
            with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()) as err:
                build_corpus.parse_args(["--out", "/x", "--n-utterances", "9"] + bad)
            self.assertIn(bad[0], err.getvalue())
        with self.assertRaisesRegex(ValueError, "festivalx"):
            build_corpus.Planner(build_corpus.parse_args(["--out", "/x", "--n-utterances", "9",
                                                          "--train-engine-weights", "festivalx=1"]), src, eng)


if __name__ == "__main__":
    unittest.main()
