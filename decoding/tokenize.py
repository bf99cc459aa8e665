"""Word tokenisation of instructions, keeping each word's character offsets."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["tokenize", "split_words", "english_tokenizer"]

_NON_SPACE = re.compile(r"\S+")


def split_words(text: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """Whitespace words of `text` and their (start, end) character offsets: the tagE datasets' tokenisation.

    Examples
    --------
    >>> split_words("pick  the cup")
    (('pick', 'the', 'cup'), ((0, 4), (6, 9), (10, 13)))
    """
    matches = list(_NON_SPACE.finditer(text))
    return tuple(m.group() for m in matches), tuple(m.span() for m in matches)


@lru_cache(maxsize=1)
def english_tokenizer():
    """spaCy's rule-based English tokenizer (`spacy.blank("en")`), loaded once."""
    import spacy  # imported here: loading spaCy costs ~0.3 s, only raw text needs it

    return spacy.blank("en").tokenizer


def tokenize(text: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """spaCy English tokens of raw user text ("kitchen," -> "kitchen", ","), with character offsets.

    Examples
    --------
    >>> tokenize("go to the kitchen, now")[0]
    ('go', 'to', 'the', 'kitchen', ',', 'now')
    """
    doc = english_tokenizer()(text)
    words = [t for t in doc if not t.is_space]
    return tuple(t.text for t in words), tuple((t.idx, t.idx + len(t.text)) for t in words)
