"""BM25 (Okapi) over code, with a tokenizer that understands identifiers.

``parseHTTPHeader`` and ``parse_http_header`` both become ``parse``, ``http``, ``header`` plus
the whole lower-cased identifier, so an issue written in prose finds the code that implements
it. Small enough to keep here rather than depend on ``rank-bm25``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_STOP_WORDS = (
    "a an and are as at be but by can do does for from has have how i if in into is it its "
    "me my no not of on or should so that the their then there this to was we were what when "
    "which while with you your self cls def return none true false import pass else elif try "
    "except raise"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())


def split_identifier(word: str) -> list[str]:
    """``getHTTPResponse_code`` -> ``['get', 'http', 'response', 'code']``."""
    parts: list[str] = []
    for chunk in word.split("_"):
        parts += [p.lower() for p in _CAMEL.findall(chunk)]
    return parts


def tokenize(text: str) -> list[str]:
    """Lower-cased identifier parts, plus each compound identifier whole; stop words out."""
    tokens: list[str] = []
    for word in _WORD.findall(text):
        parts = split_identifier(word)
        whole = word.lower().strip("_")
        if len(parts) > 1 and whole not in STOP_WORDS:
            tokens.append(whole)
        tokens += [p for p in parts if p not in STOP_WORDS and len(p) > 1]
    return tokens


class BM25:
    """A BM25 index over pre-tokenised documents (Lucene's non-negative IDF)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.5,
                 b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.counts = [Counter(doc) for doc in documents]
        self.lengths = [len(doc) for doc in documents]
        total = sum(self.lengths)
        self.avg_length = total / len(documents) if documents else 0.0
        df: Counter[str] = Counter()
        for counts in self.counts:
            df.update(counts.keys())
        n = len(documents)
        self.idf = {t: math.log((n - f + 0.5) / (f + 0.5) + 1.0) for t, f in df.items()}

    def scores(self, query: Sequence[str]) -> list[float]:
        """The score of every document for ``query`` (each distinct term counted once)."""
        terms = [t for t in dict.fromkeys(query) if t in self.idf]
        out = []
        for counts, length in zip(self.counts, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / (self.avg_length or 1.0))
            score = 0.0
            for term in terms:
                tf = counts.get(term, 0)
                if tf:
                    score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            out.append(score)
        return out

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The ``k`` best (document index, score) pairs with a positive score, best first."""
        ranked = sorted(enumerate(self.scores(query)), key=lambda p: (-p[1], p[0]))
        return [(i, s) for i, s in ranked[:k] if s > 0]
