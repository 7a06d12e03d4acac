"""Dutch text for the overview of many inputs: words, stop words, stems, sentences and
readable key phrases. Everything here is taken from the inputs themselves; the stems are
only used to compare, never shown."""

import re
from collections import Counter, defaultdict
from functools import cache, lru_cache
from pathlib import Path

STOP_FILE = Path(__file__).with_name("data") / "dutch_stop.txt"
# Words every input on an agenda item uses, so they say nothing about what it says.
_CONSULT_STOP = """
    we wij onze ons graag gemeente gemeenten onzer vinden vindt zien wel zeer erg echt
    goed belangrijk voorstel vng punt agendapunt hierbij namens mee ieder elke alle via
    dient moeten gaan komt komen willen vragen vraag steunen steun zorg zorgen inbreng
    kleine per nu elk iedere alleen tijdens eerst daarna zodat bijvoorbeeld
"""
CONSULT_STOP = frozenset(_CONSULT_STOP.split())
WORD = re.compile(r"[^\W\d_](?:[\w'-]*\w)?", re.UNICODE)
# A sentence ends at . ! ? or a line break, followed by space; abbreviations as "o.a."
# or "bijv." may split a sentence, which only costs a shorter representative.
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
MIN_SENTENCE = 25


@cache
def stop_words() -> frozenset[str]:
    """The Snowball Dutch stop words (data/dutch_stop.txt, BSD licence) plus our own."""
    words = set()
    for line in STOP_FILE.read_text(encoding="utf-8").splitlines():
        word = line.split("|", 1)[0].strip()
        if word:
            words.add(word)
    return frozenset(words) | CONSULT_STOP


@cache
def _stemmer():
    # snowballstemmer (some 3 MB: every language's stemmer) loads with the first overview.
    import snowballstemmer

    return snowballstemmer.stemmer("dutch")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball Dutch stem; remembered, since the pure-Python stemmer is the slowest
    step and the words of one association's inputs repeat."""
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Lower-case words of the text, in order."""
    return [match.group(0).lower() for match in WORD.finditer(text)]


@lru_cache(maxsize=8192)
def content_words(text: str) -> tuple[str, ...]:
    """The words that carry meaning: no stop words, no one-letter words."""
    stop = stop_words()
    return tuple(word for word in words(text) if len(word) > 1 and word not in stop)


def stems(text: str) -> list[str]:
    """What the vectors count. Pairs of neighbouring stems were tried and grouped worse
    on the labelled set (tests/fixtures/overview): short inputs share few pairs."""
    return [stem(word) for word in content_words(text)]


def sentences(text: str) -> list[str]:
    """The sentences of an input, each a verbatim slice of it (stripped of spaces)."""
    parts = [match.group(0).strip() for match in SENTENCE.finditer(text)]
    parts = [part for part in parts if WORD.search(part)]
    return parts or [text.strip()]


def usable_sentences(text: str) -> list[str]:
    """Sentences long enough to stand for a group; the whole text when none is."""
    long_enough = [s for s in sentences(text) if len(s) >= MIN_SENTENCE]
    return long_enough or [text.strip()]


class Surface:
    """The readable form of each term: the words it was most often written as; and pairs
    of content words that stand side by side ("common ground") in at least two texts."""

    def __init__(self):
        self._seen: dict[str, Counter] = defaultdict(Counter)
        self._pairs: dict[tuple[str, str], Counter] = defaultdict(Counter)
        self._pair_texts: Counter = Counter()

    def add(self, text: str) -> None:
        for word in content_words(text):
            self._seen[stem(word)][word] += 1
        stop = stop_words()
        found = words(text)
        pairs = set()
        for a, b in zip(found, found[1:], strict=False):
            if len(a) > 1 and len(b) > 1 and a not in stop and b not in stop:
                pairs.add((stem(a), stem(b)))
                self._pairs[stem(a), stem(b)][f"{a} {b}"] += 1
        self._pair_texts.update(pairs)

    def of(self, term: str) -> str:
        forms = self._seen.get(term)
        return forms.most_common(1)[0][0] if forms else term

    def pair(self, first: str, second: str) -> str | None:
        """The two stems as written side by side, if at least two texts do."""
        if self._pair_texts[first, second] < 2:
            return None
        return self._pairs[first, second].most_common(1)[0][0]


def normalised(text: str) -> str:
    """For near-duplicate matching: lower case, words only."""
    return " ".join(words(text))
