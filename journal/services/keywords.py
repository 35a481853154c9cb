"""Words and keywords as the reviewer search compares them: the meaningful words of a text (case-insensitive,
without accents, punctuation, TeX, common English words or a plural "s"), what a paper is about (PaperTerms), and
how one expertise keyword or another reviewed paper matches it, with the points each match scores."""

import functools
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from journal.services.conflicts import WORDS, fold


KEYWORD_POINTS = {"keyword": 3, "text": 2, "partial": 1}
KEYWORD_HOW = {"keyword": _l("one of the paper's keywords"), "text": _l("in the title or abstract"),
               "partial": _l("partly")}

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers him his how
i if in into is it its itself just may me might more most must my no nor not now of off on once only or other our
ours out over own same she should so some such than that the their theirs them then there these they this those
through to too under until up upon use used using very via was we were what when where which while who whom why
will with within without would you your new based study studies paper result results show shows towards toward
""".split())

_TEX = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\[a-zA-Z]+", re.S)


# --- normalising words -----------------------------------------------------------------------------------------

def _singular(word: str) -> str:
    """A light plural strip: craters → crater, bodies → body, fluxes → flux; analysis and gas stay."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> tuple[str, ...]:
    return tuple(_singular(w) for w in WORDS.findall(fold(_TEX.sub(" ", text or "")))
                 if len(w) > 1 and w not in STOPWORDS)


_short_words = functools.lru_cache(maxsize=8192)(_words)


def words(text: str) -> tuple[str, ...]:
    """The meaningful words of a text, normalised, in order. Keywords and titles recur across people and
    papers, so short texts are cached."""
    return _short_words(text) if len(text or "") <= 300 else _words(text)


def phrase(keyword: str) -> tuple[str, ...]:
    return words(keyword)


def _contains(haystack: tuple[str, ...] | list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(tuple(haystack[i:i + n]) == needle for i in range(len(haystack) - n + 1))


# --- what the paper is about ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaperTerms:
    keyword_phrases: frozenset[tuple[str, ...]]
    keyword_words: frozenset[str]
    title_words: tuple[str, ...]
    abstract_words: tuple[str, ...]

    @classmethod
    def of(cls, title: str, abstract: str, keywords: list[str]) -> "PaperTerms":
        phrases = frozenset(p for p in (phrase(k) for k in keywords or []) if p)
        return cls(phrases, frozenset(w for p in phrases for w in p), words(title), words(abstract))


@dataclass(frozen=True)
class KeywordMatch:
    keyword: str
    how: str  # "keyword" | "text" | "partial"

    @property
    def points(self) -> int:
        return KEYWORD_POINTS[self.how]

    @property
    def explanation(self) -> str:
        return KEYWORD_HOW[self.how]


def match_keyword(keyword: str, paper: PaperTerms) -> KeywordMatch | None:
    p = phrase(keyword)
    if not p:
        return None
    if p in paper.keyword_phrases:
        return KeywordMatch(keyword, "keyword")
    if _contains(paper.title_words, p) or _contains(paper.abstract_words, p) \
            or any(_contains(k, p) for k in paper.keyword_phrases):
        return KeywordMatch(keyword, "text")
    if set(p) & (paper.keyword_words | set(paper.title_words)):
        return KeywordMatch(keyword, "partial")
    return None


def paper_points(paper: PaperTerms, other_title: str, other_keywords: list[str]) -> int:
    """How closely another paper the candidate reviewed matches this paper's keywords: 2, 1 or 0."""
    other = PaperTerms.of(other_title, "", other_keywords)
    if paper.keyword_phrases & other.keyword_phrases:
        return 2
    if paper.keyword_words & (other.keyword_words | set(other.title_words)):
        return 1
    return 0
