"""Word tokenisation of instructions, keeping each word's character offsets."""

from __future__ import annotations

import re
from functools import lru_cache

from .errors import DecodingError
from .speech import plain

__all__ = ["tokenize", "split_words", "english_tokenizer", "check_text", "MAX_INSTRUCTION_CHARS"]

# An instruction to a robot is a few sentences; one of a book's length would take minutes to ground (grounding each
# task looks back over the ones before it): it is refused, to be sent in parts (the service's default is 1,000).
MAX_INSTRUCTION_CHARS = 10_000

_NON_SPACE = re.compile(r"\S+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(text: object, what: str = "instruction") -> str:
    """`text` if it is a string of Unicode text of at most `MAX_INSTRUCTION_CHARS`; else `DecodingError` naming `what`
    and the problem: not a string, too long, or a lone surrogate (half a UTF-16 pair, e.g. "\\ud800" in JSON, or
    bytes that are not UTF-8 in a command's arguments), which no model, file or response can encode.

    Examples
    --------
    >>> check_text("pick up the mug")
    'pick up the mug'
    """
    if not isinstance(text, str):
        raise DecodingError(f"{what} must be a string, not {type(text).__name__}")
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise DecodingError(f"{what} is {len(text):,} characters long, over the limit of {MAX_INSTRUCTION_CHARS:,}: "
                            "send it in parts")
    bad = _SURROGATE.search(text)
    if bad:
        raise DecodingError(f"{what}: character {bad.start()} is U+{ord(bad.group()):04X}, half of a UTF-16 surrogate "
                            "pair, not text (an emoji cut in two, or bytes that are not UTF-8)")
    return text


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
    """spaCy English tokens of raw user text ("kitchen," -> "kitchen", ","), with character offsets, as meant when
    spoken (`decoding.speech.plain`: no fillers, words said twice, repairs); a word cut off by a hyphen ("the
    towel- the cloth") loses the hyphen.

    Examples
    --------
    >>> tokenize("go to the kitchen, now")[0]
    ('go', 'to', 'the', 'kitchen', ',', 'now')
    >>> tokenize("go to the, uh, the bedroom")
    (('go', 'to', 'the', 'bedroom'), ((0, 2), (3, 5), (6, 9), (19, 26)))
    """
    doc = english_tokenizer()(text)
    kept = plain([(t.text.rstrip("-") or t.text, t.idx) for t in doc if not t.is_space])
    return tuple(w for w, _ in kept), tuple((start, start + len(w)) for w, start in kept)
