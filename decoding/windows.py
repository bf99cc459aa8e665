"""Long instructions cut into pieces the extractor can read: sentences first, then clauses.

The extractor reads at most `max_words` words and decodes at most `max_tasks` tasks at once. A longer instruction
is cut at sentence boundaries (spaCy's rule-based sentencizer, no download); consecutive sentences are packed into
pieces of at most a quarter of `max_words` (so that a pronoun finds its antecedent in the sentence before), and a
sentence longer than `max_words` is cut at clause boundaries (`halve`). A piece whose parse reaches the task limit
(fifteen commands in one sentence) is cut in two at a clause boundary and read again, until no piece reaches it or
none can be cut (`decoding.parser.TaskParser.parse_many`); an instruction that stays under both limits is read
whole, as the extractor was trained. Each piece keeps its first word's index in the whole, so that parses of the
pieces merge back with spans in the original words (`merge`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .parse import Argument, Attribute, Parse, TaskFrame

__all__ = ["split", "merge", "halve"]


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
    ends, else at clause boundaries, where possible (see the module).

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
        for s, e in _clauses(tokens, a, b, limit):
            if ranges and ranges[-1][1] == s and e - ranges[-1][0] <= pack:
                ranges[-1] = (ranges[-1][0], e)  # pack short sentences together
            else:
                ranges.append((s, e))
    return ranges


_AFTER = frozenset({",", ";", ":"})         # a clause starts after these words
_BEFORE = frozenset({"then"})               # ... or at these
_AND = "and"                                # ... or at "and" when nothing else is left ("between the salt and ...")


def halve(tokens: Sequence[str], a: int, b: int) -> int | None:
    """The clause boundary nearest the middle of words `a`..`b`: after a comma, semicolon or colon, or before
    "then", else before "and"; None when there is none.

    Examples
    --------
    >>> words = "go to the table , take the cup and bring it to me".split()
    >>> halve(words, 0, len(words)), halve(words, 5, len(words)), halve(words, 0, 4)
    (5, 8, None)
    """
    for strong in (True, False):
        cuts = [i for i in range(a + 1, b) if (tokens[i - 1] in _AFTER or tokens[i].lower() in _BEFORE) == strong
                and (strong or tokens[i].lower() == _AND)]
        if cuts:
            return min(cuts, key=lambda i: (abs(2 * i - a - b), i))
    return None


def _clauses(tokens: Sequence[str], a: int, b: int, longest: int) -> list[tuple[int, int]]:
    """Words `a`..`b` cut at clause boundaries (`halve`) until each piece has at most `longest` words; windows of
    `longest` words where no boundary is left."""
    if b - a <= longest:
        return [(a, b)]
    middle = halve(tokens, a, b)
    if middle is None:
        return [(s, min(s + longest, b)) for s in range(a, b, longest)]
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
