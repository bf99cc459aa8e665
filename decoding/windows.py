"""Long instructions cut into pieces the extractor can read: sentences first, then windows of words.

The extractor reads at most `max_words` words. A longer instruction is cut at sentence boundaries (spaCy's
rule-based sentencizer, no download), consecutive sentences are packed into pieces of at most a quarter of that
(so that a pronoun finds its antecedent in the sentence before, while a piece stays within the decoder's task
limit), and a sentence longer than `max_words` is cut into windows. Each piece keeps its first word's index in
the whole, so that parses of the pieces merge back with spans in the original words (`merge`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .parse import Argument, Attribute, Parse, TaskFrame

__all__ = ["split", "merge"]


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


def split(text: str, tokens: Sequence[str], offsets: Sequence[tuple[int, int]], limit: int
          ) -> list[tuple[int, int]]:
    """(start, end) word ranges cutting `tokens` of `text` into pieces of at most `limit` words, at sentence
    ends where possible.

    Examples
    --------
    >>> from decoding.tokenize import tokenize
    >>> text = "take the cup. put it on the table. open the door"
    >>> split(text, *tokenize(text), limit=12)
    [(0, 4), (4, 10), (10, 13)]
    """
    if len(tokens) <= limit:
        return [(0, len(tokens))]
    bounds, pack = [*_sentence_starts(text, offsets), len(tokens)], limit // 4
    ranges: list[tuple[int, int]] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        for s in range(a, b, limit):  # a sentence longer than `limit` becomes windows
            e = min(s + limit, b)
            if ranges and ranges[-1][1] == s and e - ranges[-1][0] <= pack:
                ranges[-1] = (ranges[-1][0], e)  # pack short sentences together
            else:
                ranges.append((s, e))
    return ranges


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
