"""Long instructions cut into pieces the extractor can read: sentences first, then windows of words.

The extractor reads at most `max_words` words, and was trained on instructions of at most 39 (tagE), with at most
8 tasks; it decodes at most `max_tasks` (12) tasks at once. An instruction longer than a third of `max_words` is
cut at sentence boundaries (spaCy's rule-based sentencizer, no download); consecutive sentences are packed into
pieces of at most a quarter of `max_words` (so that a pronoun finds its antecedent in the sentence before), and a
sentence longer than a third of it is cut at the clause boundary nearest its middle (after a comma, semicolon or
colon, or before "and" / "then"), again until every piece is that short (into windows where no boundary is left):
fifteen commands in one sentence are fifteen tasks, not the twelve the decoder stops at. Each piece keeps its
first word's index in the whole, so that parses of the pieces merge back with spans in the original words
(`merge`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .parse import Argument, Attribute, Parse, TaskFrame

__all__ = ["split", "merge", "longest_piece"]


@lru_cache(maxsize=1)
def _sentencizer():
    import spacy  # only long instructions need it

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _sentence_starts(text: str, offsets: Sequence[tuple[int, int]]) -> list[int]:
    """Indices of the words that begin a sentence of `text` (by character offsets); [0] without offsets."""
    if not offsets:
        return [0]
    chars = [s.start_char for s in _sentencizer()(text).sents]
    starts, k = [], 0
    for i, (begin, _) in enumerate(offsets):
        while k < len(chars) and chars[k] <= begin:
            if not starts or starts[-1] != i:
                starts.append(i)
            k += 1
    return starts if starts and starts[0] == 0 else [0, *starts]


def longest_piece(limit: int) -> int:
    """The most words an instruction is read in at once by an extractor that accepts `limit`: a third of it."""
    return limit // 3


def split(text: str, tokens: Sequence[str], offsets: Sequence[tuple[int, int]], limit: int
          ) -> list[tuple[int, int]]:
    """(start, end) word ranges cutting `tokens` of `text` into pieces of at most a third of `limit` words, at
    sentence ends, else at clause boundaries, where possible (see the module).

    Examples
    --------
    >>> from decoding.tokenize import tokenize
    >>> text = "take the cup. put it on the table. open the door"
    >>> split(text, *tokenize(text), limit=24)
    [(0, 4), (4, 10), (10, 13)]
    >>> text = "open the door, take the cup and put it on the table then close the door"
    >>> split(text, *tokenize(text), limit=24)
    [(0, 7), (7, 13), (13, 17)]
    """
    longest, pack = longest_piece(limit), limit // 4
    if len(tokens) <= longest:
        return [(0, len(tokens))]
    bounds = [*_sentence_starts(text, offsets), len(tokens)]
    ranges: list[tuple[int, int]] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        for s, e in _clauses(tokens, a, b, longest):
            if ranges and ranges[-1][1] == s and e - ranges[-1][0] <= pack:
                ranges[-1] = (ranges[-1][0], e)  # pack short sentences together
            else:
                ranges.append((s, e))
    return ranges


_AFTER = frozenset({",", ";", ":"})         # a clause starts after these words
_BEFORE = frozenset({"and", "then"})        # ... or at these


def _clauses(tokens: Sequence[str], a: int, b: int, longest: int) -> list[tuple[int, int]]:
    """Words `a`..`b` cut at the clause boundary nearest the middle until each piece has at most `longest` words;
    windows of `longest` words where no boundary is left."""
    if b - a <= longest:
        return [(a, b)]
    cuts = [i for i in range(a + 1, b) if tokens[i - 1] in _AFTER or tokens[i].lower() in _BEFORE]
    if not cuts:
        return [(s, min(s + longest, b)) for s in range(a, b, longest)]
    middle = min(cuts, key=lambda i: (abs(2 * i - a - b), i))
    return _clauses(tokens, a, middle, longest) + _clauses(tokens, middle, b, longest)


def merge(whole: Parse, starts: Sequence[int], parses: Sequence[Parse]) -> Parse:
    """The parses of pieces beginning at words `starts` as one parse over the words of `whole` (an empty parse of
    the whole instruction)."""
    tasks = [_shift(task, whole, start) for start, p in zip(starts, parses, strict=True) for task in p.tasks]
    return whole.model_copy(update={"tasks": tuple(tasks)})


def _shift(task: TaskFrame, whole: Parse, by: int) -> TaskFrame:
    span = lambda s: whole.span(s.start + by, s.end + by)
    return TaskFrame(type=task.type, trigger=span(task.trigger), score=task.score, arguments=tuple(
        Argument(role=a.role, span=span(a.span), grounding=a.grounding, score=a.score,
                 attributes=tuple(Attribute(type=m.type, span=span(m.span)) for m in a.attributes))
        for a in task.arguments))
