"""Texts for the synthetic corpus: fortune sentences, templates (numbers, dates, times, money, ordinals, names) and
random dictionary-word sequences.

Every text has two forms:
- ``text``: the transcript, written the way Whisper writes English (sentence case, punctuation, digits for numbers
  of 10 and more, "$3.50", "3:45 p.m.", "March 3rd, 2021", "15%", "21st");
- ``spoken``: what the TTS engine is given, every number and symbol spelled out in words ("three dollars and fifty
  cents"), so that each engine reads it the same way and the audio says exactly what the transcript says.
For fortunes and random words both are the same string.

Sources (Debian packages, found under a text root, /usr/share by default):
- fortunes (``fortunes``, ``fortunes-min``): <root>/games/fortunes/*
- word list (``wamerican``): <root>/dict/american-english or <root>/dict/words
- usage examples (``wordnet-base``, training texts only): <root>/wordnet/data.{noun,verb,adj,adv}, or the
  sentences already extracted from them in <root>/wordnet/examples.txt (carry_espeak.sh writes it)
- prose (Debian-packaged English books, training texts only): <root>/prose/sentences.txt, see prose.py
First names, surnames, cities and counted nouns are small lists written here.
"""

from __future__ import annotations

import os
import re

import numpy as np

# fortune files left out: pictures, code, non-English, and jokes about groups of people
FORTUNE_SKIP = {"ascii-art", "art", "translate-me", "perl", "ethnic", "men-women"}

MIN_WORDS, MAX_WORDS = 4, 18


class MissingResource(RuntimeError):
    """A file a Debian package provides is missing; the message names the package."""


# ----------------------------------------------------------------------------------------------------------------
# finding and loading the sources


def find_fortunes_dir(text_root: str | None = None) -> str:
    roots = [text_root] if text_root else ["/usr/share"]
    for r in roots:
        for sub in ("games/fortunes", "fortunes", "fortune"):
            d = os.path.join(r, sub)
            if os.path.isdir(d) and any(_is_fortune_file(d, f) for f in os.listdir(d)):
                return d
    raise MissingResource(
        f"no fortune files under {roots[0]}/games/fortunes: install the Debian packages 'fortunes' and "
        "'fortunes-min' (apt-get install -y fortunes fortunes-min), or pass --text-root to a carried copy")


def find_words_file(text_root: str | None = None) -> str:
    root = text_root or "/usr/share"
    for name in ("dict/american-english", "dict/words"):
        p = os.path.join(root, name)
        if os.path.isfile(p):
            return p
    raise MissingResource(
        f"no word list at {root}/dict/american-english: install the Debian package 'wamerican' "
        "(apt-get install -y wamerican), or pass --text-root to a carried copy")


def _is_fortune_file(d: str, name: str) -> bool:
    if "." in name or name in FORTUNE_SKIP:
        return False
    return os.path.isfile(os.path.join(d, name))


_ALLOWED = re.compile(r"^[A-Za-z][A-Za-z ,.!?'\-]*[.!?]$")
_ALLOWED_SEMICOLON = re.compile(r"^[A-Za-z][A-Za-z ,;.!?'\-]*[.!?]$")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def normalise_sentence(s: str, max_words: int = MAX_WORDS, semicolon: bool = False) -> str | None:
    """Whisper-style sentence from a raw fortune fragment, or None when it does not qualify.

    Straight quotes, single spaces, surrounding quotes removed, the first letter upper case, a final '.', '!' or
    '?' (a '.' is added when missing); kept only with 4-18 words, ASCII letters and , . ! ? ' - only, no digits,
    no word in capitals (acronyms are spelled out by the engines), no '.' before the end (abbreviations), no '--'.
    Prose (prose.py) allows max_words words and, with semicolon, ';' between clauses.
    """
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u201c", '"').replace("\u201d", '"')
    s = " ".join(s.split())
    s = s.strip(" \"'-_*")
    if not s:
        return None
    s = re.sub(r"([.!?])\1+", r"\1", s)  # "!!!!" -> "!"
    s = re.sub(r"\s+([,;.!?])", r"\1", s)
    if s[-1] not in ".!?":
        s += "."
    if not (_ALLOWED_SEMICOLON if semicolon else _ALLOWED).match(s) or "--" in s or "''" in s or ";;" in s:
        return None
    words = s.split()
    if not MIN_WORDS <= len(words) <= max_words:
        return None
    for w in words[:-1]:
        if "." in w or "!" in w or "?" in w:
            return None
    for w in words:
        core = w.strip(",;.!?'-")
        if not core or (len(core) > 1 and core.isupper()) or core.startswith("-") or core.endswith("-"):
            return None
        if "'" in core and not re.fullmatch(r"[A-Za-z]+'[A-Za-z]{1,2}", core):
            return None
    if not any(c.islower() for c in s):
        return None
    if sum(1 for w in words[1:] if w[0].isupper() and w.strip(",;.!?") != "I") >= 3:
        return None  # Title Case Or Headline Capitals: the audio cannot tell, keep the labels predictable
    return s[0].upper() + s[1:]


def _fortune_entries(text: str) -> list[str]:
    out = []
    for entry in re.split(r"^%\s*$", text, flags=re.M):
        lines = []
        for line in entry.splitlines():
            t = line.strip()
            if t.startswith("--") or t.startswith("\u2014") or t.startswith("-- "):
                break  # attribution
            lines.append(t)
        out.append(" ".join(lines))
    return out


def load_fortune_sentences(fortunes_dir: str) -> list[str]:
    """All qualifying sentences from the fortune files, unique, sorted (deterministic)."""
    found = set()
    for name in sorted(os.listdir(fortunes_dir)):
        if not _is_fortune_file(fortunes_dir, name):
            continue
        with open(os.path.join(fortunes_dir, name), "rb") as f:
            raw = f.read().decode("utf-8", errors="replace")
        for entry in _fortune_entries(raw):
            for frag in _SPLIT.split(entry):
                s = normalise_sentence(frag)
                if s:
                    found.add(s)
    return sorted(found)


def load_words(words_file: str) -> list[str]:
    """Lower-case ASCII words of 2-12 letters with a vowel from the word list (no proper nouns, no possessives),
    sorted."""
    out = set()
    with open(words_file, "rb") as f:
        for line in f:
            w = line.decode("utf-8", errors="replace").strip()
            if 2 <= len(w) <= 12 and w.isascii() and w.isalpha() and w.islower() and re.search("[aeiouy]", w):
                out.add(w)  # no vowel ("nth", "hmm", "tsk"): engines spell or skip such words
    return sorted(out)


def common_words(sentences: list[str], words: list[str], min_count: int = 3) -> list[str]:
    """Words of the word list that occur at least min_count times in the sentences: a 'common' vocabulary."""
    wordset = set(words)
    counts: dict[str, int] = {}
    for s in sentences:
        for w in re.findall(r"[a-z]+", s.lower()):
            counts[w] = counts.get(w, 0) + 1
    return sorted(w for w, c in counts.items() if c >= min_count and w in wordset and len(w) >= 2)


WORDNET_DATA_FILES = ("data.noun", "data.verb", "data.adj", "data.adv")
WORDNET_EXAMPLES_FILE = "examples.txt"
_QUOTE_AT_WORD_EDGE = re.compile(r"(^|[\s,])'|'($|[\s,.!?])")


def find_wordnet_dir(text_root: str | None = None) -> str:
    roots = [text_root] if text_root else ["/usr/share"]
    for root in roots:
        d = os.path.join(root, "wordnet")
        if os.path.isfile(os.path.join(d, WORDNET_EXAMPLES_FILE)) or os.path.isfile(os.path.join(d, "data.noun")):
            return d
    raise MissingResource(
        f"no WordNet under {roots[0]}/wordnet: install the Debian package 'wordnet-base' (apt-get install -y "
        "wordnet-base), or pass --text-root to a carried copy with wordnet/examples.txt")


def wordnet_examples_from_data(wordnet_dir: str) -> list[str]:
    """The usage examples of WordNet's synsets ("the child was a little fidgety"), as Whisper-style sentences.

    A data line ends with "| gloss; "example"; "example"": the quoted parts are everyday English written to show a
    word in use, ~48,000 of them over ~150,000 words — the breadth of vocabulary and phrasing the ~10,000 fortunes
    lack. Kept only where normalise_sentence accepts them (4-18 words, ...), unique, sorted."""
    out = set()
    for name in WORDNET_DATA_FILES:
        with open(os.path.join(wordnet_dir, name), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue  # the licence header, or a line without a gloss
                for quoted in re.findall(r'"([^"]+)"', line.split("|", 1)[1]):
                    s = normalise_sentence(quoted)
                    # quotation marks inside ("a British term for 'quarry' is ...") do not survive the split
                    # on double quotes reliably, and no one hears them: only apostrophes within words stay
                    if s is not None and not _QUOTE_AT_WORD_EDGE.search(s):
                        out.add(s)
    return sorted(out)


def load_wordnet_examples(wordnet_dir: str) -> list[str]:
    """examples.txt when present (one sentence a line), else extracted from the data files."""
    path = os.path.join(wordnet_dir, WORDNET_EXAMPLES_FILE)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    return wordnet_examples_from_data(wordnet_dir)


class TextSources:
    """The loaded sources: fortune sentences, the word list and its common subset."""

    def __init__(self, sentences: list[str], words: list[str]):
        self.sentences = sentences
        self.words = words
        self.common = common_words(sentences, words)
        if not self.common:
            self.common = words

    @classmethod
    def load(cls, text_root: str | None = None) -> "TextSources":
        return cls(load_fortune_sentences(find_fortunes_dir(text_root)), load_words(find_words_file(text_root)))


# ----------------------------------------------------------------------------------------------------------------
# numbers in words

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand")]


def int_words(n: int) -> str:
    """American English cardinal in words, space separated: 1234 -> 'one thousand two hundred thirty four'."""
    if n < 0:
        return "minus " + int_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        t, o = divmod(n, 10)
        return _TENS[t] + ("" if o == 0 else " " + _ONES[o])
    if n < 1000:
        h, r = divmod(n, 100)
        return _ONES[h] + " hundred" + ("" if r == 0 else " " + int_words(r))
    for value, name in _SCALES:
        if n >= value:
            q, r = divmod(n, value)
            return int_words(q) + " " + name + ("" if r == 0 else " " + int_words(r))
    raise AssertionError(n)


_ORD_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}


def ordinal_words(n: int) -> str:
    words = int_words(n).split()
    last = words[-1]
    if last in _ORD_IRREGULAR:
        last = _ORD_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join(words[:-1] + [last])


def ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def year_words(y: int) -> str:
    """How a year is read: 1984 'nineteen eighty four', 1905 'nineteen oh five', 1900 'nineteen hundred',
    2000 'two thousand', 2007 'two thousand seven', 2021 'twenty twenty one'."""
    if 2000 <= y <= 2009:
        return int_words(y)
    hi, lo = divmod(y, 100)
    if lo == 0:
        return int_words(hi) + " hundred"
    if lo < 10:
        return int_words(hi) + " oh " + _ONES[lo]
    return int_words(hi) + " " + int_words(lo)


def decade_words(y: int) -> str:
    """1990 -> 'nineteen nineties' (written '1990s')."""
    hi, lo = divmod(y, 100)
    t = _TENS[lo // 10]
    return int_words(hi) + " " + t[:-1] + "ies"


def fmt_int(n: int) -> str:
    """Whisper writes 1,234 with a thousands comma."""
    return f"{n:,}"


def count_written(n: int) -> str:
    """Small counts in words, 10 and more in digits (the way Whisper usually writes running text)."""
    return _ONES[n] if n < 10 else fmt_int(n)


# ----------------------------------------------------------------------------------------------------------------
# small word lists written for this corpus

FIRST_NAMES = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra
Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George
Deborah Timothy Stephanie Ronald Rebecca Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen Jacob Helen Gary Amy
Nicholas Anna Eric Angela Jonathan Ruth Stephen Brenda Larry Pamela Justin Nicole Scott Emma Brandon Samantha Benjamin
Katherine Samuel Christine Gregory Rachel Alexander Carolyn Patrick Janet Frank Maria Raymond Olivia Jack Heather Dennis
Diane Jerry Julie Tyler Joyce Aaron Victoria Henry Kelly Adam Christina Peter Lauren Nathan Joan Walter Evelyn Harold
Judith Kyle Megan Carl Andrea Arthur Cheryl Gerald Hannah Roger Martha Keith Jacqueline Lawrence Frances Terry Gloria
Sean Ann Christian Teresa Ethan Kathryn Austin Sara Noah Janice Oliver Jean Lucas Alice Owen Grace Leo Chloe Isaac Zoe
Hugo Ruby Felix Ivy Oscar Alan Rosa Victor Nora Simon Clara Martin Lucy Philip Sophie Ian Maya Omar Priya Raj Mei Hiroshi
Yuki Carlos Sofia Diego Elena Ahmed Fatima Ivan Olga Kwame Amara""".split()

LAST_NAMES = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker
Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter
Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood
James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins
Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Fisher Vasquez Simmons Graham Marshall Owens Harrison
Fernandez Wallace Hamilton Hayes Gibson Ellis Stevens Murray Ford Shaw Hudson Chen Wong Singh Fraser Campbell Doyle
Walsh Byrne Kennedy Murdoch Taylor Holmes Palmer Webb Mason Lloyd Hunt Porter Dixon Burns Fletcher""".split()

CITIES = """Boston Chicago Denver Seattle Atlanta Houston Dallas Phoenix Portland Austin Miami Detroit Nashville Memphis
Baltimore Philadelphia Pittsburgh Cleveland Minneapolis Sacramento Oakland Toronto Vancouver Montreal Ottawa London
Manchester Liverpool Edinburgh Glasgow Dublin Cardiff Bristol Leeds Sydney Melbourne Auckland Paris Berlin Madrid Rome
Vienna Prague Lisbon Amsterdam Stockholm Oslo Tokyo Singapore Mumbai Cairo Nairobi Lagos Mexico Lima Chicago""".split()

WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = "January February March April May June July August September October November December".split()
MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

NOUNS = [("apple", "apples"), ("book", "books"), ("car", "cars"), ("dog", "dogs"), ("cat", "cats"),
         ("ticket", "tickets"), ("box", "boxes"), ("chair", "chairs"), ("letter", "letters"), ("child", "children"),
         ("person", "people"), ("student", "students"), ("bottle", "bottles"), ("orange", "oranges"),
         ("house", "houses"), ("bag", "bags"), ("egg", "eggs"), ("page", "pages"), ("mile", "miles"),
         ("minute", "minutes"), ("hour", "hours"), ("day", "days"), ("week", "weeks"), ("year", "years"),
         ("dollar", "dollars"), ("photo", "photos"), ("table", "tables"), ("window", "windows"), ("song", "songs"),
         ("question", "questions"), ("room", "rooms"), ("horse", "horses"), ("shirt", "shirts"), ("cup", "cups"),
         ("tree", "trees"), ("bike", "bikes"), ("seat", "seats"), ("game", "games"), ("file", "files"),
         ("message", "messages")]

TITLES = [("Mr.", "mister"), ("Mrs.", "missus"), ("Dr.", "doctor"), ("Ms.", "miz")]


# ----------------------------------------------------------------------------------------------------------------
# slot fillers: each returns (written, spoken)


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _first(rng):
    n = _pick(rng, FIRST_NAMES)
    return n, n


def _last(rng):
    n = _pick(rng, LAST_NAMES)
    return n, n


def _full(rng):
    a, b = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
    return f"{a} {b}", f"{a} {b}"


def _titled(rng):
    t, ts = _pick(rng, TITLES)
    n = _pick(rng, LAST_NAMES)
    return f"{t} {n}", f"{ts} {n}"


def _city(rng):
    c = _pick(rng, CITIES)
    return c, c


def _weekday(rng):
    d = _pick(rng, WEEKDAYS)
    return d, d


def _month(rng):
    m = _pick(rng, MONTHS)
    return m, m


def _number(rng):
    mag = int(rng.integers(4))
    lo, hi = [(10, 100), (100, 1000), (1000, 100000), (100000, 10000000)][mag]
    n = int(rng.integers(lo, hi))
    if mag >= 2 and rng.random() < 0.5:
        n = int(round(n, -(len(str(n)) - 2)))  # round numbers are common in speech
    return fmt_int(n), int_words(n)


def _small(rng):
    n = int(rng.integers(2, 10))
    return _ONES[n], _ONES[n]


def _count_noun(rng):
    n = int(rng.integers(2, 60)) if rng.random() < 0.6 else int(rng.integers(2, 10))
    sing, plur = _pick(rng, NOUNS)
    return f"{count_written(n)} {plur}", f"{int_words(n)} {plur}"


def _age(rng):
    n = int(rng.integers(10, 96))
    return str(n), int_words(n)


def _money(rng):
    kind = rng.random()
    if kind < 0.4:
        d, c = int(rng.integers(1, 100)), int(rng.integers(1, 100))
        dw = "dollar" if d == 1 else "dollars"
        cw = "cent" if c == 1 else "cents"
        return f"${d}.{c:02d}", f"{int_words(d)} {dw} and {int_words(c)} {cw}"
    if kind < 0.75:
        d = int(rng.integers(2, 5000))
        return f"${fmt_int(d)}", f"{int_words(d)} dollars"
    if kind < 0.9:
        c = int(rng.integers(2, 100))
        return f"{c} cents", f"{int_words(c)} cents"
    m = int(rng.integers(2, 500))
    scale = _pick(rng, ["million", "billion"])
    return f"${m} {scale}", f"{int_words(m)} {scale} dollars"


def _percent(rng):
    if rng.random() < 0.8:
        p = int(rng.integers(1, 100))
        return f"{p}%", f"{int_words(p)} percent"
    a, b = int(rng.integers(1, 20)), int(rng.integers(1, 10))
    return f"{a}.{b}%", f"{int_words(a)} point {_ONES[b]} percent"


def _decimal(rng):
    a, b = int(rng.integers(0, 100)), int(rng.integers(1, 10))
    return f"{a}.{b}", f"{int_words(a)} point {_ONES[b]}"


def _clock(rng):
    h = int(rng.integers(1, 13))
    m = int(rng.choice([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, int(rng.integers(1, 60))]))
    mer = _pick(rng, ["a.m.", "p.m."])
    mer_spoken = mer  # espeak-ng, flite and festival all read "a.m." as the letters; "a m" would be "uh em"
    if m == 0:
        if rng.random() < 0.5:
            return f"{h} o'clock", f"{int_words(h)} o'clock"
        return f"{h} {mer}", f"{int_words(h)} {mer_spoken}"
    mw = ("oh " + _ONES[m]) if m < 10 else int_words(m)
    return f"{h}:{m:02d} {mer}", f"{int_words(h)} {mw} {mer_spoken}"


def _year(rng):
    y = int(rng.integers(1900, 2031)) if rng.random() < 0.85 else int(rng.integers(1500, 1900))
    return str(y), year_words(y)


def _decade(rng):
    y = int(rng.integers(192, 202)) * 10
    return f"{y}s", decade_words(y)


def _day_of_month(rng, month_index: int) -> int:
    return int(rng.integers(1, MONTH_DAYS[month_index] + 1))


def _date(rng):
    mi = int(rng.integers(12))
    d = _day_of_month(rng, mi)
    m = MONTHS[mi]
    if rng.random() < 0.6:
        y = int(rng.integers(1950, 2031))
        return f"{m} {ordinal_suffix(d)}, {y}", f"{m} {ordinal_words(d)}, {year_words(y)}"
    return f"{m} {ordinal_suffix(d)}", f"{m} {ordinal_words(d)}"


def _the_date(rng):
    mi = int(rng.integers(12))
    d = _day_of_month(rng, mi)
    return f"the {ordinal_suffix(d)} of {MONTHS[mi]}", f"the {ordinal_words(d)} of {MONTHS[mi]}"


def _ordinal(rng):
    n = int(rng.integers(1, 40)) if rng.random() < 0.85 else int(rng.integers(40, 120))
    return ordinal_suffix(n), ordinal_words(n)


def _phone(rng):
    a = [int(v) for v in rng.integers(0, 10, size=7)]
    a[0] = int(rng.integers(2, 10))
    digit = lambda v: "oh" if v == 0 else _ONES[v]
    written = "".join(map(str, a[:3])) + "-" + "".join(map(str, a[3:]))
    spoken = " ".join(digit(v) for v in a[:3]) + ", " + " ".join(digit(v) for v in a[3:])
    return written, spoken


def _room(rng):
    n = int(rng.integers(10, 999))
    return str(n), int_words(n)


SLOTS = {"first": _first, "last": _last, "full": _full, "titled": _titled, "city": _city, "weekday": _weekday,
         "month": _month, "number": _number, "small": _small, "count_noun": _count_noun, "age": _age,
         "money": _money, "percent": _percent, "decimal": _decimal, "clock": _clock, "year": _year,
         "decade": _decade, "date": _date, "the_date": _the_date, "ordinal": _ordinal, "phone": _phone,
         "room": _room}

# (category, template). Slot names may carry a suffix digit to draw the same kind twice ({money2}).
TEMPLATES = [
    ("money", "{first} paid {money} for {count_noun}."),
    ("money", "The total comes to {money}, including tax."),
    ("money", "It costs {money} a month, or {money2} a year."),
    ("money", "{titled} says the repair will cost about {money}."),
    ("money", "Can you lend me {money} until {weekday}?"),
    ("time", "The meeting starts at {clock} on {weekday}."),
    ("time", "Our flight leaves at {clock}, so we should be there by {clock2}."),
    ("time", "The last train to {city} departs at {clock}."),
    ("time", "{first} usually wakes up at {clock}."),
    ("date", "{full} was born on {date}."),
    ("date", "The contract ends on {date}."),
    ("date", "We are moving to {city} on {the_date}."),
    ("date", "Is the deadline {weekday}, {date}?"),
    ("date", "The concert was held on {date} in {city}."),
    ("year", "The company was founded in {year}."),
    ("year", "I was born in {year} and moved to {city} in {year2}."),
    ("year", "In {year}, {full} wrote a book about the {decade}."),
    ("year", "That song was a hit in the {decade}."),
    ("number", "The population of the town is about {number} people."),
    ("number", "The stadium holds {number} fans."),
    ("number", "Chapter {small} begins on page {room}."),
    ("number", "Please go to room {room} on the {ordinal} floor."),
    ("number", "We sold {count_noun} and {count_noun2} last week."),
    ("number", "{first} is {age} years old and lives in {city}."),
    ("number", "The temperature dropped to {decimal} degrees overnight."),
    ("number", "The package weighs {decimal} kilograms."),
    ("percent", "Prices rose by {percent} in {year}."),
    ("percent", "About {percent} of the students passed the test."),
    ("percent", "The battery is at {percent}."),
    ("ordinal", "{first} finished {ordinal} in the race."),
    ("ordinal", "This is the {ordinal} time I have called today."),
    ("ordinal", "The {ordinal} chapter is the longest one."),
    ("ordinal", "{full} celebrated her {ordinal} birthday in {month}."),
    ("phone", "Please call {first} at {phone}."),
    ("phone", "My new number is {phone}."),
    ("name", "My name is {full}."),
    ("name", "{first} and {first2} went to {city} together."),
    ("name", "Have you met {titled} from the office?"),
    ("name", "{full} will see you on {weekday}."),
    ("name", "This is {first}, and I am calling about the order."),
    ("name", "{titled} and {full} signed the letter."),
    ("name", "Tell {first} that {first2} called."),
]

_SLOT_RE = re.compile(r"\{([a-z_]+?)(\d?)\}")


def fill_template(rng: np.random.Generator, template: str) -> tuple[str, str]:
    written, spoken, pos = [], [], 0
    for m in _SLOT_RE.finditer(template):
        lit = template[pos:m.start()]
        written.append(lit)
        spoken.append(lit)
        w, s = SLOTS[m.group(1)](rng)
        written.append(w)
        spoken.append(s)
        pos = m.end()
    written.append(template[pos:])
    spoken.append(template[pos:])
    w, s = "".join(written), "".join(spoken)
    if w.endswith(".."):  # "... 4:25 p.m." ends the sentence with the abbreviation's own period
        w = w[:-1]
    return w[0].upper() + w[1:], s[0].upper() + s[1:]


def random_words_text(rng: np.random.Generator, src: TextSources) -> str:
    """4-14 random dictionary words (60% from the common vocabulary), sentence case, an occasional comma, ending
    in '.' or '?'. Such sequences cannot be predicted by a language model, so the decoder must listen."""
    n = int(rng.integers(4, 15))
    words = [(_pick(rng, src.common) if rng.random() < 0.6 else _pick(rng, src.words)) for _ in range(n)]
    if n >= 6 and rng.random() < 0.3:
        k = int(rng.integers(1, n - 2))
        words[k] += ","
    words[0] = words[0][0].upper() + words[0][1:]
    return " ".join(words) + ("?" if rng.random() < 0.15 else ".")


class MarkovText:
    """New sentences from the word trigrams of a set of sentences (the training split's fortunes).

    The demo model learned the training fortunes by heart — 2.3% WER on their sentences in voices it never heard,
    20% on the test split's unseen sentences — because Debian has ~10,700 of them, each rendered many times. Sentences
    walked from their trigrams keep English's local statistics (phrases, function words, punctuation) but are new as
    wholes, so the decoder must listen to go on. Only the training sentences may feed it: a test sentence's trigrams
    would leak into training."""

    START, END = "<s>", "</s>"

    def __init__(self, sentences: list[str]):
        self.next: dict[tuple[str, str], list[str]] = {}
        self.known = set(sentences)
        for sentence in sentences:
            words = sentence.split()
            seq = [self.START, self.START] + words + [self.END]
            for a, b, c in zip(seq, seq[1:], seq[2:]):
                self.next.setdefault((a, b), []).append(c)

    def sample(self, rng: np.random.Generator, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS,
               tries: int = 100) -> str | None:
        """A sentence of min_words..max_words words that is none of the source sentences; None after `tries`."""
        if (self.START, self.START) not in self.next:
            return None
        for _ in range(tries):
            a, b, out = self.START, self.START, []
            while len(out) <= max_words:
                c = _pick(rng, self.next[(a, b)])
                if c == self.END:
                    break
                out.append(c)
                a, b = b, c
            text = " ".join(out)
            if min_words <= len(out) <= max_words and text not in self.known and text[-1] in ".!?":
                return text
        return None


def sample_text(rng: np.random.Generator, src: TextSources, kind: str) -> dict:
    """One text of the given kind: 'fortune', 'template' or 'words'. Returns {text, spoken, kind}."""
    if kind == "fortune":
        s = _pick(rng, src.sentences)
        return {"text": s, "spoken": s, "kind": "fortune"}
    if kind == "template":
        cat, t = TEMPLATES[int(rng.integers(len(TEMPLATES)))]
        w, s = fill_template(rng, t)
        return {"text": w, "spoken": s, "kind": "template:" + cat}
    if kind == "words":
        s = random_words_text(rng, src)
        return {"text": s, "spoken": s, "kind": "words"}
    if kind == "name_words":
        # a sentence made of a name and random words: for the alignment set (written and spoken words agree 1:1)
        a, b = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
        s = random_words_text(rng, src)
        s = f"{a} {b} " + s[0].lower() + s[1:]
        return {"text": s, "spoken": s, "kind": "name_words"}
    raise ValueError(kind)


def word_tokens(text: str) -> list[str]:
    """The words of a fortune / random-word / name text (whitespace split, punctuation stays attached)."""
    return text.split()


def spoken_word(token: str) -> str:
    """A written token as given to the engine when spoken alone: surrounding punctuation removed."""
    return token.strip(",.!?;:\"")
