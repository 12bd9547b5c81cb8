"""Training-only prose sentences from English books packaged in Debian (build_corpus.py --prose-frac).

The demo model reads unseen sentences badly because it has heard too few distinct English sentences: the ~10,700
fortunes, rendered many times, are learned by heart. WordNet's usage examples (--examples-frac) cut the unseen-sentence
WER from 19.5% to 12.9%; these sentences are a second, larger supply of natural English in running prose:

- ``debian-handbook``: The Debian Administrator's Handbook (DocBook HTML, en-US), GPL-2+ or CC-BY-SA-3.0;
- ``debian-reference``: Debian Reference (package debian-reference-en, DocBook HTML), GPL-2+;
- ``gnome-help``: GNOME's desktop help (package gnome-user-docs, Mallard pages, C locale), CC-BY-SA-3.0;
- ``devil``: Ambrose Bierce's The Devil's Dictionary (package dict-devil, dictd text), public domain;
- ``anarchism``: the BLAG fortune assortment's anarchism quotes (package fortune-anarchism), public domain. It is a
  fortune file but not of Debian's fortunes/fortunes-min, which the valid and test texts come from;
- ``web``: the World English Bible (package sword-text-web, a SWORD module), public domain; the only large source
  (~25,000 sentences where the others give ~6,000 together), so at most 15,000 of its sentences are kept;
- ``jargon``: the Jargon File, the hackers' lexicon (package dict-jargon, dictd), public domain;
- ``foldoc``: the Free On-line Dictionary of Computing (package dict-foldoc, dictd), GFDL-1.1+ (no invariant
  sections); ~12,000 sentences, at most 5,000 kept;
- ``gcide``: the usage quotations of the GNU Collaborative International Dictionary of English (package dict-gcide,
  dictd; the quotations, from Webster's of 1913, are of writers from Chaucer and the Bible to the 19th century: the
  definitions are noun phrases, not sentences, and are not taken), GPL-2+; ~20,000 sentences, at most 8,000 kept;
- ``tfortunes``: the epigrams of tfortune (package tfortunes; limericks and those tagged offensive left out), public
  domain; a fortune file of another format, in another folder than the fortunes';
- ``dhammapada``, ``dhammapada-muller``: the Dhammapada's Buddhist sayings in John Richards's translation of 1993 and
  F. Max Muller's of 1881 (package display-dhammapada), public domain;
- ``cfi``: Linus Walleij's Copyright Does Not Exist, a history of hacker culture (package cfi-en, HTML laid out in
  tables), public domain;
- ``endless-sky``: the conversations, dialogs and descriptions of the space game Endless Sky (package
  endless-sky-data): modern narrative English in the second person and spoken dialogue, GPL-3+;
- ``gimp-help``: GIMP's user manual (package gimp-help-en, DocBook HTML; its copyright file is gimp-help-common's),
  GFDL-1.2+;
- ``python-doc``: Python's documentation (package python3.11-doc, Sphinx HTML: tutorial, how-tos, FAQ, library),
  PSF-2.0; ~6,000 sentences, at most 3,000 kept;
- ``libreoffice-help``: LibreOffice's help (package libreoffice-help-en-us, HTML), MPL-2.0; ~15,000 short sentences,
  at most 4,000 kept;
- ``developers-reference``, ``debian-faq``: Debian's Developer's Reference (Sphinx HTML), GPL-2, and FAQ (DocBook
  HTML; the FAQ's own licence: verbatim and modified copies may be distributed), ~1,000 sentences together.
The technical books are modern and grammatical but name commands often: only the paragraphs' sentences without any
code, digits or capitals survive (about a third). The dictionaries lose their cross references' braces (the words
stay), bracketed sources, URLs, e-mail addresses, sentences that only point elsewhere ("See {bit bucket}.") and
sentences holding a word with two capitals ("CPUs", "TeX").

The packages are read from a root they were unpacked into (``dpkg -x PKG.deb ROOT``, or / where they are installed;
fortune-anarchism must not be installed there: its file would join the fortunes the held-out texts come from).
carry_espeak.sh runs ``python3 prose.py`` to write <text root>/prose/sentences.txt, one sentence a line, with the
packages' copyright files beside it; build_corpus.py reads that file.

Leak guard: a prose sentence must never reveal a valid or test sentence. build_corpus.Planner keeps only sentences
whose text hashes to the training class (a sentence equal to a held-out one hashes as it does), and ``NgramGuard``
drops every sentence sharing a 5-word sequence with any fortune sentence (a held-out fortune quoted inside a longer
sentence, as Bierce's definitions are quoted in the fortunes, would otherwise be heard in training). The guard runs
both when the file is written and when it is loaded, against the fortunes actually in use.
"""

from __future__ import annotations

import argparse
import gzip
import html.parser
import os
import re
import struct
import sys
import zlib
from typing import NamedTuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import textgen  # noqa: E402

PROSE_DIR = "prose"
PROSE_FILE = "sentences.txt"
MAX_PROSE_WORDS = 25  # running prose has longer sentences than fortunes; 25 words are ~8 s of speech
NGRAM = 5


class Source(NamedTuple):
    package: str  # the Debian package (main)
    path: str  # under the root the package was unpacked into: a file, or a folder of files ending in `ext` (the
    #            subfolders' too)
    fmt: str  # markup (DocBook HTML, Mallard, Sphinx), layout (HTML laid out in tables), dictd (Bierce),
    #           dictd-entries, dictd-quotations, fortune, tfortune, verses, sword, backtick (Endless Sky)
    ext: str = ""
    cap: int = 0  # at most this many of its sentences (a seeded draw), 0: all
    title: str = ""  # what it is, for the model card
    licence: str = ""  # its text's licence (the package's copyright file), for the model card


SOURCES = {
    "debian-handbook": Source("debian-handbook", "usr/share/doc/debian-handbook/html/en-US", "markup", ".html",
                              title="The Debian Administrator's Handbook", licence="GPL-2+ or CC-BY-SA-3.0"),
    "debian-reference": Source("debian-reference-en", "usr/share/debian-reference", "markup", ".en.html",
                               title="Debian Reference", licence="GPL-2+"),
    "gnome-help": Source("gnome-user-docs", "usr/share/help/C/gnome-help", "markup", ".page",
                         title="GNOME's desktop help", licence="CC-BY-SA-3.0"),
    "devil": Source("dict-devil", "usr/share/dictd/devil.dict.dz", "dictd",
                    title="Ambrose Bierce's The Devil's Dictionary", licence="public domain"),
    "anarchism": Source("fortune-anarchism", "usr/share/games/fortunes/anarchism", "fortune",
                        title="the BLAG anarchism quotes", licence="public domain"),
    # the World English Bible holds ~25,000 sentences, four times the others above together: capped so that its
    # register ("Solomon slept with his fathers") stays about two thirds of theirs (two fifths with the dictionaries)
    "web": Source("sword-text-web", "usr/share/sword/modules/texts/ztext/engWEB2015eb", "sword", cap=15000,
                  title="the World English Bible", licence="public domain"),
    # added after the others: a sentence already taken from one of those is a duplicate here, not there, so the
    # sentences above are the same with or without these; capped so that the carried archive stays small
    # (~20-25 bytes of xz a sentence) and no source dominates: FOLDOC gives ~10,900, GCIDE's quotations ~19,700
    "jargon": Source("dict-jargon", "usr/share/dictd/jargon.dict.dz", "dictd-entries",
                     title="the Jargon File", licence="public domain"),
    "foldoc": Source("dict-foldoc", "usr/share/dictd/foldoc.dict.dz", "dictd-entries", cap=5000,
                     title="FOLDOC", licence="GFDL-1.1+"),
    "gcide": Source("dict-gcide", "usr/share/dictd/gcide.dict.dz", "dictd-quotations", cap=8000,
                    title="GCIDE's Webster-1913 usage quotations", licence="GPL-2+"),
    # added after those, for more distinct everyday English: sayings first (closest to the fortunes), then a book,
    # a game's conversations, and manuals capped at a few thousand sentences each (LibreOffice's help gives ~15,000
    # short ones, Python's documentation ~6,000), so that no one domain dominates
    "tfortunes": Source("tfortunes", "usr/share/games/tfortunes/epigrams/en.tfortunes", "tfortune",
                        title="the tfortunes epigrams", licence="public domain"),
    "dhammapada": Source("display-dhammapada", "usr/share/display-dhammapada/dhammapada-english-transl.txt", "verses",
                         title="the Dhammapada (John Richards's translation)", licence="public domain"),
    "dhammapada-muller": Source("display-dhammapada", "usr/share/display-dhammapada/dhammapada-alternate.txt",
                                "verses", title="the Dhammapada (F. Max Muller's translation)",
                                licence="public domain"),
    "cfi": Source("cfi-en", "usr/share/doc/cfi-en/html", "layout", ".htm",
                  title="Linus Walleij's Copyright Does Not Exist", licence="public domain"),
    "endless-sky": Source("endless-sky-data", "usr/share/games/endless-sky/data", "backtick", ".txt",
                          title="Endless Sky's conversations and descriptions", licence="GPL-3+"),
    "gimp-help": Source("gimp-help-en", "usr/share/gimp/2.0/help/en", "markup", ".html",
                        title="GIMP's user manual", licence="GFDL-1.2+"),
    "python-doc": Source("python3.11-doc", "usr/share/doc/python3.11/html", "markup", ".html", cap=3000,
                         title="Python's documentation", licence="PSF-2.0"),
    "libreoffice-help": Source("libreoffice-help-en-us", "usr/share/libreoffice/help/en-US", "markup", ".html",
                               cap=4000, title="LibreOffice's help", licence="MPL-2.0"),
    "developers-reference": Source("developers-reference", "usr/share/developers-reference", "markup", ".html",
                                   title="Debian Developer's Reference", licence="GPL-2"),
    "debian-faq": Source("debian-faq", "usr/share/doc/debian/FAQ", "markup", ".en.html",
                         title="the Debian FAQ", licence="the Debian FAQ's permissive licence"),
}


# ----------------------------------------------------------------------------------------------------------------
# sentences


def normalise_prose(s: str) -> str | None:
    """Whisper-style sentence from a raw prose fragment, or None: textgen.normalise_sentence's rules (no digits, no
    word in capitals, no inner '.', letters and simple punctuation only) with up to 25 words and ';' allowed, and the
    fragment must start with a capital letter (one that does not is a sentence split inside an abbreviation or a
    command name, never a sentence's start) and end with '.', '!' or '?' (no '.' is added, as it is to a fortune:
    a fragment ending otherwise is a heading, or a clause cut off by a paragraph or line break)."""
    t = s.strip(" \"'-_*\u201c\u2018\u201d\u2019")
    if not t or not t[0].isupper() or t[-1] not in ".!?":
        return None
    return textgen.normalise_sentence(s, max_words=MAX_PROSE_WORDS, semicolon=True)


_ASIDE = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\])")
# a piece of a paragraph ending in one of these (or in an initial, "W. D.") ends inside a sentence
_ABBREVIATION = re.compile(r"(?:^|\s)(?:[A-HJ-Z]|Mr|Mrs|Ms|Dr|St|Jr|Sr|Mt|Prof|Gen|Col|Capt|Lt|Sgt|Rev|Hon|Gov|Sen|"
                           r"Messrs|vs|etc|e\.g|i\.e|cf|viz|No|Vol|pp|Fig|Inc|Ltd|Co|Corp|approx)\.$")
_INTRODUCES = re.compile(r"\b(?:following|follows)[.!?]$")  # "... as follows." stands before a code block or list


def split_sentences(text: str) -> list[str]:
    """A paragraph's sentences: split after . ! ? before a capital letter, not after an abbreviation or initial
    (the pieces either side are one sentence, which then holds an inner '.' and is dropped, rather than two
    fragments: "A famous book in which St." / "Paul ...")."""
    pieces = textgen._SPLIT.split(" ".join(text.split()))
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def sentences_of(text: str) -> list[str]:
    """The qualifying sentences of a paragraph of running text, in order. An aside in parentheses or brackets within
    a sentence is removed, the sentence kept ("The secure shell (see below) is safe." -> "The secure shell is
    safe."); quotation marks inside a sentence, which no one hears, drop it (only apostrophes within words stay),
    and so does a sentence that announces a code block or list ("Type the following.")."""
    out = []
    text = re.sub(r",\s*(?=[,;.!?])", "", _ASIDE.sub("", text))  # "a glob, (or a list), does" -> "a glob, does"
    for frag in split_sentences(text):
        s = normalise_prose(frag)
        if s and not textgen._QUOTE_AT_WORD_EDGE.search(s) and not _INTRODUCES.search(s):
            out.append(s)
    return out


# ----------------------------------------------------------------------------------------------------------------
# the formats

CODE = "\x00"  # stands for inline code in a paragraph: no sentence holding it qualifies (normalise rejects it)


class _MarkupParagraphs(html.parser.HTMLParser):
    """The text of the paragraphs (<p>, DocBook's <div class="para">) of DocBook HTML and of Mallard pages (GNOME's
    help), outside lists, tables, headings, titles, code blocks, figures, page metadata and navigation. Inline code
    (commands, file names, literals, package names, keys...) and an empty link (its text is filled in when the page
    is shown) become CODE, so that a sentence holding one is dropped instead of being read with a hole in it."""

    SKIP = {"li", "dt", "dd", "td", "th", "table", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "title", "head",
            "script", "style", "ul", "ol", "dl",
            # Mallard: list items, page metadata, figures and captions, link lists, comments, video subtitles
            "item", "info", "desc", "credit", "revision", "links", "comment", "media", "figure", "screen",
            "synopsis", "subtitle", "tt:div", "tt:p", "uix:thumb", "its:rules"}
    SKIP_CLASSES = {"titlepage", "toc", "docnav", "title", "copyright", "mediaobject", "example", "informalexample",
                    "calloutlist", "footnote", "footnotes", "legalnotice", "revhistory"}
    INLINE_CODE = {"code", "tt", "kbd", "samp", "var", "img",
                   "cmd", "file", "sys", "input", "output", "key", "keyseq", "guiseq"}  # the latter Mallard's
    CODE_CLASSES = {"command", "filename", "literal", "replaceable", "computeroutput", "userinput", "pkg", "varname",
                    "email", "keycap", "citerefentry", "refentrytitle", "option", "envar", "systemitem", "uri"}
    VOID = {"br", "hr", "img", "meta", "col", "input", "area", "base", "wbr"}
    HOLES = {"link", "media", "xref"}  # empty, they stand for text the viewer fills in

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # (tag, role): role '' / 'skip' / 'para' / 'code' / 'drop'
        self.paragraphs: list[str] = []
        self.buf: list[str] | None = None

    def _role(self, tag: str, attrs: dict) -> str:
        classes = set((attrs.get("class") or "").split())
        if tag in self.SKIP or classes & self.SKIP_CLASSES:
            return "skip"
        if tag == "if:when" and "!" not in (attrs.get("test") or ""):
            return "skip"  # Mallard's text for a special platform (GNOME Classic): the default is kept
        if tag == "sup" or "footnote" in classes:
            return "drop"  # a footnote mark: "[1]" is not spoken
        if tag in self.INLINE_CODE or classes & self.CODE_CLASSES:
            return "code"
        if tag == "p" or (tag == "div" and "para" in classes):
            return "para"
        return ""

    def _inside(self, role: str) -> bool:
        return any(r == role for _, r in self.stack)

    def _collecting(self) -> bool:
        return self.buf is not None and not (self._inside("skip") or self._inside("code") or self._inside("drop"))

    def handle_starttag(self, tag, attrs):
        role = self._role(tag, dict(attrs))
        if tag in self.VOID:
            if role == "code" and self._collecting():
                self.buf.append(CODE)
            return
        if role == "para" and self._inside("para"):
            role = ""  # a paragraph within a paragraph (DocBook nests them): one text
        if role == "para" and not self._inside("skip"):
            self._flush()
            self.buf = []
        if role == "code" and self._collecting():
            self.buf.append(CODE)
        self.stack.append((tag, role))

    def handle_startendtag(self, tag, attrs):
        if tag in self.HOLES:
            if self._collecting():
                self.buf.append(CODE)
        elif tag in self.VOID:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed tags: pop to the matching one
            if self.stack[i][0] == tag:
                closed = self.stack[i:]
                del self.stack[i:]
                if any(r == "para" for _, r in closed):
                    self._flush()
                return

    def handle_data(self, data):
        if self._collecting():
            self.buf.append(data)

    def _flush(self):
        if self.buf is not None:
            text = " ".join("".join(self.buf).split())
            if text:
                self.paragraphs.append(text)
        self.buf = None

    def close(self):
        super().close()
        self._flush()


def markup_paragraphs(text: str) -> list[str]:
    p = _MarkupParagraphs()
    p.feed(text)
    p.close()
    return p.paragraphs


_HEADWORD = re.compile(r"^[A-Z][A-Z'\- ]*,\s+(?:[a-z]+\.\s*)+")


def dictd_paragraphs(text: str) -> list[str]:
    """The prose of a dictd text of definitions (The Devil's Dictionary): blocks split at blank lines, the headword
    and part of speech ("ABASEMENT, n.") removed, italics' underscores dropped, a word broken at a line's final
    hyphen joined; blocks indented throughout are verse or attributions and left out (a prose paragraph indents its
    first line only). The database's own header entries (00-database-...) are skipped."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        raw = [ln for ln in block.split("\n") if ln.strip()]
        if not lines or lines[0].startswith("00-database") or all(ln[:1].isspace() for ln in raw):
            continue
        para = ""
        for ln in lines:
            para += ln if para.endswith("-") or not para else " " + ln
        out.append(_HEADWORD.sub("", para).replace("_", ""))
    return out


DICTD_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def dictd_number(digits: str) -> int:
    """A number of a dictd index: base 64, most significant digit first ('Ba' -> 1 * 64 + 26 = 90)."""
    n = 0
    for c in digits:
        n = n * 64 + DICTD_DIGITS.index(c)
    return n


def dictd_entries(dict_path: str) -> list[str]:
    """The entries of a dictd database, each once, in the order of the data: the index beside the data file
    (foo.index beside foo.dict.dz) lists 'headword TAB offset TAB length' (base-64 numbers, bytes of the
    uncompressed data), several headwords may point at one entry; the database's own entries (00-database-...,
    00databasealphabet...) are left out."""
    index_path = re.sub(r"\.dict(?:\.dz)?$", "", dict_path) + ".index"
    opener = gzip.open if dict_path.endswith(".dz") else open
    with opener(dict_path, "rb") as f:
        data = f.read()
    spans = set()
    with open(index_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith(("00-database", "00database")):
                continue
            spans.add((dictd_number(parts[1]), dictd_number(parts[2])))
    return [data[o:o + n].decode("utf-8", errors="replace") for o, n in sorted(spans)]


def _blocks(text: str) -> list[list[str]]:
    """The blocks of lines of a text between blank lines, lines unstripped."""
    return [[ln for ln in b.split("\n") if ln.strip()] for b in re.split(r"\n[ \t]*\n", text) if b.strip()]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join_lines(lines: list[str]) -> str:
    """Lines of wrapped text as one, a word broken at a line's final hyphen joined ("war-" "ship" -> "war-ship")."""
    para = ""
    for ln in (x.strip() for x in lines):
        para += ln if para.endswith("-") or not para else " " + ln
    return para


_XREF = re.compile(r"\{\s*([^{}]*?)\s*\}")  # {cross reference} -> its words
# a sentence that only points elsewhere: "See {bit bucket}.", "Compare {nick}, {screen name}.", "See also: {x}."
_POINTER = re.compile(r"(?:^|(?<=[.!?]\s))(?:See|Compare|Cf\.?|Contrast|Oppose|Opposite|Antonym|Synonyms?|Same as)\b"
                      r"(?:\s*(?:\{[^{}]*\}|[,;:]|(?i:and|or|also|under|the|see|compare|cf|oppose|opposite|"
                      r"antonym|synonym|of|with|to)\b))+\s*[.!?]")
_CATEGORY = re.compile(r"<[a-z][a-z ,/-]*>")  # FOLDOC's subject: "<networking>"
_GLUED = re.compile(r"(?<=\w)[\[(][^\[\]()]*[\])]")  # "cat(1)", "user(s)", "f(x)", GCIDE's "C[ae]zar"
_SENSE = re.compile(r"^\(?\d+\)?\.?\s+")  # "1. " "(2) " before a numbered sense


def _dictd_markup(text: str) -> str:
    """A dictd paragraph's markup removed: sentences that only point to other entries, cross references' braces
    (their words stay), FOLDOC's subjects, italics' underscores, a sense's number. A parenthesis or bracket glued to
    a word (a manual section "cat(1)", "user(s)", "f(x)", GCIDE's "C[ae]zar" for an accented letter) and anything
    else in angle brackets (an e-mail address) become CODE, so that the sentence holding them is dropped.
    Bracketed sources ("[Usenet]") and URLs in parentheses are asides, which sentences_of removes."""
    text = " ".join(text.split())
    text = _POINTER.sub("", text)
    text = _XREF.sub(r"\1", _XREF.sub(r"\1", text))  # twice: a reference within a reference
    text = _GLUED.sub(CODE, _CATEGORY.sub("", text))
    text = re.sub(r"<[^<>]*>", CODE, text)
    return _SENSE.sub("", text.replace("_", "").strip())


def dictd_entry_paragraphs(dict_path: str) -> list[str]:
    """The prose of a dictd database of definitions in running text (the Jargon File, FOLDOC), entry by entry:
    the headword block (headword, pronunciation, part of speech: up to the first blank line) dropped, then the
    paragraphs indented as the entry's text is; a block indented further is an example, code, a table, verse, a
    quotation or ASCII art (the Jargon File's Dissociated Press nonsense too) and is left out. Markup as
    _dictd_markup says."""
    out = []
    for entry in dictd_entries(dict_path):
        blocks = _blocks(entry.partition("\n\n")[2])
        if not blocks:
            continue
        base = min(_indent(ln) for b in blocks for ln in b)
        for b in blocks:
            if _indent(b[0]) == base:
                para = _dictd_markup(_join_lines(b))
                if para:
                    out.append(para)
    return out


_SOURCE_TAG = re.compile(r"^\s*\[[^\[\]]*\](?:\s*-+\s.*)?$")  # "[1913 Webster]", "[1913 Webster] -- {...}, adv."
_ATTRIBUTION = re.compile(r"(?:\s{2,}|^\s*)--\s*\S.*$")  # "   --Milton."


def dictd_quotation_paragraphs(dict_path: str) -> list[str]:
    """The usage quotations of a dictd dictionary (the GCIDE's, from Webster's of 1913): a block indented deeper than
    its entry's definitions ending with an attribution ("wrapped quotation text   --Author."), the attribution and
    source tags ("[1913 Webster]") removed. Verse is left out: a line starting with a capital letter (other than
    "I") although the line before does not end a sentence. The definitions themselves, noun phrases such as "Having
    the power to cause coagulation; as, a coagulative agent.", and WordNet's entries (examples already read through
    --examples-frac) are not taken."""
    out = []
    for entry in dictd_entries(dict_path):
        lines = entry.split("\n")
        if len(lines) < 2:
            continue
        for b in _blocks("\n".join(lines[1:])):
            b = [ln for ln in b if not _SOURCE_TAG.match(ln)]
            if not b or _indent(b[0]) < 8:
                continue
            quote = []
            for ln in b:
                m = _ATTRIBUTION.search(ln)
                if m:
                    quote.append(ln[:m.start()])
                    break
                quote.append(ln)
            else:
                continue  # no attribution: not a quotation
            quote = [q.strip() for q in quote if q.strip()]
            if not quote or any(q[0].isupper() and not re.match(r"I\b", q) and not re.search(r"[.!?]$", p)
                                for p, q in zip(quote, quote[1:])):
                continue
            text = _dictd_markup(_join_lines(quote))
            if "[" not in text:  # an editor's word supplied in brackets ("[He] was"), an accented letter
                out.append(text)
    return out


_OSIS_DROP = re.compile(r"<(note|title)\b[^>]*>.*?</\1>", re.S)
_OSIS_BREAK = re.compile(r"<(?:chapter\b|div\b[^>]*type=\"book\")[^>]*/>")


def sword_paragraphs(module_dir: str) -> list[str]:
    """The text of a SWORD zText module (the World English Bible): each of ot/nt.bzz is a run of zlib blocks whose
    offsets and sizes .bzs lists (12 bytes a block: offset, size, uncompressed size, little-endian), the text OSIS
    XML. Notes and section titles are dropped, the text split at book and chapter milestones (not at paragraphs:
    "About Asher he said," ends one before the poem it introduces), every other tag removed (the words stay)."""
    out = []
    for testament in ("ot", "nt"):
        index_path = os.path.join(module_dir, testament + ".bzs")
        if not os.path.isfile(index_path):
            continue
        with open(index_path, "rb") as f:
            index = f.read()
        with open(os.path.join(module_dir, testament + ".bzz"), "rb") as f:
            blocks = f.read()
        for k in range(len(index) // 12):
            offset, size, _ = struct.unpack_from("<III", index, 12 * k)
            osis = zlib.decompress(blocks[offset:offset + size]).decode("utf-8", errors="replace")
            for part in _OSIS_BREAK.split(_OSIS_DROP.sub(" ", osis)):
                # a milestone (verse, line, paragraph) parts words; an element's tags do not ("</w>, God")
                text = " ".join(html.unescape(re.sub(r"<[^>]*>", "", re.sub(r"<[^>]*/>", " ", part))).split())
                if text:
                    out.append(text)
    return out


class _LayoutParagraphs(_MarkupParagraphs):
    """_MarkupParagraphs for old HTML laid out in tables (Copyright Does Not Exist holds each chapter's text in one
    table cell): table cells are read as the page's body."""

    SKIP = _MarkupParagraphs.SKIP - {"table", "td"}


def layout_paragraphs(text: str) -> list[str]:
    p = _LayoutParagraphs()
    p.feed(text)
    p.close()
    return p.paragraphs


_TFORTUNE_TAGS = re.compile(r"^---- ?(.*)$", re.M)
_TFORTUNE_SKIP = {"limerick", "offensive", "offfensive"}  # verse; the one tagged offensive (misspelt so)
_TFORTUNE_ATTRIBUTION = re.compile(r"(?:^|\s)--\s")


def tfortune_paragraphs(text: str) -> list[str]:
    """The epigrams of a tfortunes file (its own format: each epigram followed by a line "---- tag,tag"), each
    cut at its attribution ("   -- Linus Torvalds (2006)", after the text on its last line or on a line of its
    own); those tagged limerick or offensive are left out."""
    out = []
    parts = _TFORTUNE_TAGS.split(text)  # body, tags, body, tags, ..., the rest after the last tags
    for body, tags in zip(parts[0::2], parts[1::2]):
        if _TFORTUNE_SKIP & {t.strip() for t in tags.split(",")}:
            continue
        m = _TFORTUNE_ATTRIBUTION.search(body)
        text = " ".join((body[:m.start()] if m else body).split())
        if text:
            out.append(text)
    return out


def verse_paragraphs(text: str) -> list[str]:
    """The verses of a plain-text scripture (the Dhammapada's translations): blocks between blank lines, their lines
    joined, the verse's number at its end ("... like a shadow that never leaves him. 2", "... 203-204", also on a
    line of its own) removed."""
    return [re.sub(r"\s+\d+(?:\s*-\s*\d+)?$", "", _join_lines(b)) for b in _blocks(text)]


_BACKTICKED = re.compile(r"`([^`\n]*)`")
_SPEECH = re.compile(r'"([^"]*)"')


def backtick_paragraphs(text: str) -> list[str]:
    """The texts of Endless Sky's data files: the strings between backticks on a line (conversations, dialogs,
    descriptions; names and keys are in double quotes, outside them). A character's speech is a paragraph of its own
    and the narration around it another, for a sentence holding quotation marks is dropped: '"Glad to hear it," he
    says. "Listen, we must go."' gives "Glad to hear it,", "Listen, we must go." and "he says." (the pieces cut off
    mid-sentence then fail the sentence filter). The game's placeholders ("<ship>", "<planet>") become CODE."""
    out = []
    for m in _BACKTICKED.finditer(text):
        line = re.sub(r"<[^<>]*>", CODE, m.group(1))
        out += [p for p in _SPEECH.findall(line) if p.strip()]
        rest = " ".join(_SPEECH.sub(" ", line).split())
        if rest:
            out.append(rest)
    return out


def read_text(path: str) -> str:
    opener = gzip.open if path.endswith((".gz", ".dz")) else open  # a .dict.dz is gzip with a seek table
    with opener(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def source_paragraphs(path: str, fmt: str, ext: str = "") -> list[str]:
    """The paragraphs of a source file, or of the files of a folder and its subfolders whose names end in `ext`
    (sorted by their path in the folder: deterministic; the first sources' folders have no subfolders holding such
    files, LibreOffice's help and Python's documentation do)."""
    if fmt == "sword":
        return sword_paragraphs(path)
    if os.path.isdir(path):
        names = sorted(os.path.relpath(os.path.join(d, n), path)
                       for d, _, files in os.walk(path) for n in files if n.endswith(ext))
        return [p for n in names for p in source_paragraphs(os.path.join(path, n), fmt)]
    if fmt == "dictd-entries":
        return dictd_entry_paragraphs(path)
    if fmt == "dictd-quotations":
        return dictd_quotation_paragraphs(path)
    text = read_text(path)
    if fmt == "markup":
        return markup_paragraphs(text)
    if fmt == "dictd":
        return dictd_paragraphs(text)
    if fmt == "fortune":
        return textgen._fortune_entries(text)
    if fmt == "layout":
        return layout_paragraphs(text)
    if fmt == "tfortune":
        return tfortune_paragraphs(text)
    if fmt == "verses":
        return verse_paragraphs(text)
    if fmt == "backtick":
        return backtick_paragraphs(text)
    raise ValueError(fmt)


def source_path(root: str, name: str) -> str:
    src = SOURCES[name]
    path = os.path.join(root, src.path)
    if not os.path.exists(path):
        raise textgen.MissingResource(
            f"no {path}: unpack the Debian package '{src.package}' there (cd /tmp && apt-get download "
            f"{src.package} && dpkg -x {src.package}_*.deb ROOT)")
    return path


_TWO_CAPITALS = re.compile(r"[A-Z][a-z]*[A-Z]")  # "TeX", "CPUs", "IBM's", "HTML-based", "PostScript"


def source_sentences(root: str, name: str) -> list[str]:
    """Every qualifying sentence of a source, in source order. The dictionaries' (the Jargon File, FOLDOC, GCIDE)
    also lose those holding a word with two capital letters, which the engines spell or split while the
    transcript writes one word: acronyms in the plural or in a compound, products' names."""
    src = SOURCES[name]
    out = [s for p in source_paragraphs(source_path(root, name), src.fmt, src.ext) for s in sentences_of(p)]
    if src.fmt in ("dictd-entries", "dictd-quotations"):
        out = [s for s in out if not _TWO_CAPITALS.search(s)]
    return out


def extract(root: str, names: list[str]) -> dict[str, list[str]]:
    """Every qualifying sentence of each named source, in source order (duplicates kept: see select())."""
    return {n: source_sentences(root, n) for n in names}


# ----------------------------------------------------------------------------------------------------------------
# the leak guard


def ngram_words(text: str) -> list[str]:
    """Lower case, punctuation removed, hyphens as spaces: 'Don't cross-check!' -> ['dont', 'cross', 'check']."""
    return re.sub(r"[^a-z0-9 ]+", "", text.lower().replace("-", " ")).split()


class NgramGuard:
    """Rejects a sentence sharing a 5-word sequence with any of the given sentences (the fortunes). A shorter
    sentence counts whole: a prose sentence containing a 4-word fortune is rejected too."""

    def __init__(self, sentences: list[str], n: int = NGRAM):
        self.n = n
        self.grams: set[tuple[str, ...]] = set()
        self.lengths: set[int] = set()
        for s in sentences:
            w = ngram_words(s)
            k = min(n, len(w))
            if k:
                self.lengths.add(k)
                self.grams.update(tuple(w[i:i + k]) for i in range(len(w) - k + 1))

    def leaks(self, text: str) -> bool:
        w = ngram_words(text)
        return any(tuple(w[i:i + k]) in self.grams for k in self.lengths for i in range(len(w) - k + 1))


def _draw(items: list[str], n: int, seed: int, name: str) -> list[str]:
    """n of the items, chosen by a draw seeded with the seed and the name (the same whatever else is drawn), in
    their order."""
    if not n or len(items) <= n:
        return items
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    return [items[i] for i in sorted(rng.choice(len(items), size=n, replace=False))]


def select(found: dict[str, list[str]], guard: NgramGuard | None, caps: dict[str, int] | None = None,
           limit: int = 0, seed: int = 0):
    """The sentences to write, sorted, and counts per source. Per source in order: sentences already taken
    (compared lower case without punctuation) dropped, those the guard rejects
    dropped, at most caps[source] kept by a seeded draw; then at most `limit` over all (0: no limit), by a seeded
    draw too."""
    seen, kept, counts = set(), [], {}
    for name, sentences in found.items():
        unique = []
        for s in sentences:
            key = " ".join(ngram_words(s))
            if key not in seen:
                seen.add(key)
                unique.append(s)
        safe = [s for s in unique if guard is None or not guard.leaks(s)]
        mine = _draw(safe, (caps or {}).get(name, 0), seed, name)
        counts[name] = {"extracted": len(sentences), "unique": len(unique), "leak_dropped": len(unique) - len(safe),
                        "capped": len(safe) - len(mine)}
        kept += mine
    out = _draw(kept, limit, seed, "")
    counts["total"] = {k: sum(c[k] for c in counts.values()) for k in ("extracted", "unique", "leak_dropped", "capped")}
    counts["total"]["kept"] = len(out)
    return sorted(out), counts


# ----------------------------------------------------------------------------------------------------------------
# the carried file


def find_prose_dir(text_root: str | None = None) -> str:
    roots = [text_root] if text_root else ["/usr/share"]
    for root in roots:
        d = os.path.join(root, PROSE_DIR)
        if os.path.isfile(os.path.join(d, PROSE_FILE)):
            return d
    raise textgen.MissingResource(
        f"no {roots[0]}/{PROSE_DIR}/{PROSE_FILE}: write it with tools/synth/carry_espeak.sh --prose-root (it "
        f"extracts the sentences from the Debian packages {', '.join(s.package for s in SOURCES.values())}), "
        "or pass --text-root to a carried copy")


def load_prose(prose_dir: str) -> list[str]:
    with open(os.path.join(prose_dir, PROSE_FILE), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def main(argv=None):
    p = argparse.ArgumentParser(description="write the prose sentences file (carry_espeak.sh runs this)")
    p.add_argument("--root", default="/", help="where the packages are unpacked (dpkg -x PKG.deb ROOT) or installed")
    p.add_argument("--sources", default=",".join(SOURCES), help="comma list of " + ", ".join(SOURCES))
    p.add_argument("--fortunes", default=None, help="the fortune folder of the leak guard (default: the system's)")
    p.add_argument("--max-sentences", type=int, default=0, help="keep at most this many, by a seeded draw (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    names = [n.strip() for n in a.sources.split(",") if n.strip()]
    try:
        fortunes = textgen.load_fortune_sentences(a.fortunes or textgen.find_fortunes_dir())
        found = extract(a.root, names)
    except textgen.MissingResource as e:
        raise SystemExit(f"prose.py: {e}")
    kept, counts = select(found, NgramGuard(fortunes), {n: SOURCES[n].cap for n in names}, a.max_sentences, a.seed)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("".join(s + "\n" for s in kept))
    for name, c in counts.items():
        print(f"prose {name}: " + ", ".join(f"{k} {v}" for k, v in c.items()), file=sys.stderr)
    print(f"prose: {len(kept)} sentences written to {a.out} (5-word guard against {len(fortunes)} fortunes)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
