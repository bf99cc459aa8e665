"""`TaskParser`: instruction text in, `Parse` out, through the extractor and a decoding backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .confidence import Calibration, raw_scores
from .decoders import Decoded, Decoder
from .lockstep import Batch
from .model import Extractor
from .nbest import nbest
from .parse import Argument, Attribute, Parse, TaskFrame
from .tokenize import tokenize
from .windows import halve, merge, split

__all__ = ["TaskParser", "Words"]


@dataclass(frozen=True)
class Words:
    """An instruction cut into words, with character offsets: what the extractor reads."""

    instruction: str
    tokens: tuple[str, ...]
    offsets: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, instruction: str) -> Words:
        return cls(instruction, *tokenize(instruction))

    @classmethod
    def of_parse(cls, parse: Parse) -> Words:
        return cls(parse.instruction, parse.tokens, parse.offsets)


class TaskParser:
    """Extracts task frames with a trained `Extractor` and a `Decoder` backend.

    Examples
    --------
    >>> from decoding.checkpoint import load_checkpoint                 # doctest: +SKIP
    >>> from decoding.decoders import get_backend                       # doctest: +SKIP
    >>> model, _ = load_checkpoint("data/models/extractor")            # doctest: +SKIP
    >>> parser = TaskParser(model, get_backend("greedy"))               # doctest: +SKIP
    >>> parser.parse("pick up the box from the couch").tasks[0].type     # doctest: +SKIP
    'Picking'
    """

    def __init__(self, model: Extractor, decoder: Decoder, drafter=None, batch_size: int = 32,
                 calibration: Calibration | None = None, not_triggers: frozenset[str] = frozenset()):
        self.model, self.decoder, self.batch_size = model.eval(), decoder, batch_size
        self.drafter = drafter  # a cheap parser (the rule baseline) whose parses seed drafting decoders
        self.calibration = calibration or Calibration()  # raw probabilities -> calibrated scores
        self.not_triggers = not_triggers  # verbs of actions no task type covers: a task they trigger is dropped
        self.calls = 0  # decoder calls of the last parse_many

    def parse(self, instruction: str) -> Parse:
        """The parse of raw user text (spaCy English tokenisation)."""
        return self.parse_many([Words.of(instruction)])[0]

    @property
    def ask_below(self) -> float | None:
        """The argument score below which grounding asks instead of acting (set on dev with the calibration)."""
        return self.calibration.ask_below

    def parse_n(self, instruction: str, n: int) -> list[Parse]:
        """The `n` best valid parses of raw user text, best first (`decoding.nbest`): the first is `parse`'s.
        An instruction longer than the model's window has its one parse."""
        words = Words.of(instruction)
        if not words.tokens or len(words.tokens) > self.model.config.max_words or n <= 1:
            return [self.parse(instruction)]
        with torch.inference_mode():
            enc = self.encode([words])[0]
            decoded = [c.decoded for c in nbest(self.decoder.stepwise(), self.model, enc, n)]
            scores = raw_scores(Batch(self.model, [enc] * len(decoded)), decoded)
        parses = [self.kept(self.to_parse(words, d, s)) for d, s in zip(decoded, scores, strict=True)]
        return [p for k, p in enumerate(parses)   # equal once cleaned: the better one stands for both
                if _decisions(p) not in {_decisions(q) for q in parses[:k]}]

    def parse_many(self, items: Sequence[Words]) -> list[Parse]:
        """Parses of already tokenised instructions, encoded in batches; a long instruction, or one whose parse
        reaches the decoder's task limit, is parsed in pieces (sentences, then clauses: `decoding.windows`) merged
        back."""
        config = self.model.config
        self.calls = 0
        cuts = [split(w.instruction, w.tokens, w.offsets, config.max_words) for w in items]
        done: dict[tuple[int, int, int], Parse] = {}
        while True:
            todo = [(k, s, e) for k, c in enumerate(cuts) for s, e in c if (k, s, e) not in done]
            if not todo:
                break
            pieces = [Words(items[k].instruction, items[k].tokens[s:e], items[k].offsets[s:e]) for k, s, e in todo]
            done.update(zip(todo, self._parse_batch(pieces), strict=True))
            for k, c in enumerate(cuts):   # a piece at the task limit may hold more: read its halves
                cuts[k] = [half for s, e in c for half in self._halves(items[k], s, e, done[(k, s, e)])]
        out = []
        for k, (words, c) in enumerate(zip(items, cuts, strict=True)):
            if c == [(0, len(words.tokens))]:
                out.append(self.kept(done[(k, 0, len(words.tokens))]))
                continue
            whole = Parse(instruction=words.instruction, tokens=words.tokens, offsets=words.offsets)
            out.append(self.kept(merge(whole, [s for s, _ in c], [done[(k, s, e)] for s, e in c])))
        return out

    def _halves(self, words: Words, s: int, e: int, parse: Parse) -> list[tuple[int, int]]:
        """[(s, e)], or its two halves when its parse reached the decoder's task limit and a clause boundary
        cuts it."""
        if len(parse.tasks) < self.model.config.max_tasks:
            return [(s, e)]
        middle = halve(words.tokens, s, e)
        return [(s, e)] if middle is None else [(s, middle), (middle, e)]

    def _parse_batch(self, items: Sequence[Words]) -> list[Parse]:
        """Instructions of similar lengths decoded together in lockstep (`decoding.lockstep`), `batch_size` at a
        time: sorting by length keeps the padding small."""
        out: list[Parse | None] = [None] * len(items)
        todo = sorted((i for i, w in enumerate(items) if w.tokens), key=lambda i: len(items[i].tokens))
        with torch.inference_mode():
            for k in range(0, len(todo), self.batch_size):
                chunk = todo[k : k + self.batch_size]
                batch = Batch(self.model, self.encode([items[i] for i in chunk]))
                decoded = self.decoder.decode_batch(batch)
                self.calls += sum(d.calls for d in decoded)
                for i, d, scores in zip(chunk, decoded, raw_scores(batch, decoded), strict=True):
                    out[i] = self.to_parse(items[i], d, scores)
        return [p if p is not None else self.to_parse(w, Decoded([])) for p, w in zip(out, items, strict=True)]

    def kept(self, parse: Parse) -> Parse:
        """`parse` without the tasks a robot must not act on: one whose trigger is a verb of an action no task type
        covers ("vacuum the living room" read as carrying it somewhere), and one that repeats an earlier task word
        for word ("turn off the oven and the stove" decoded as the oven twice). Taken from the whole parse, after
        its pieces are merged: a piece that reached the decoder's task limit is read in halves first."""
        low = [w.lower() for w in parse.tokens]
        tasks: list[TaskFrame] = []
        for task in parse.tasks:
            if _decisions(task) not in map(_decisions, tasks) and not any(
                    w in self.not_triggers for w in low[task.trigger.start : task.trigger.end + 1]):
                tasks.append(task)
        return parse if len(tasks) == len(parse.tasks) else parse.model_copy(update={"tasks": tuple(tasks)})

    def encode(self, items: Sequence[Words]):
        """Encoder outputs of tokenised instructions (with the drafter's parse when the decoder drafts)."""
        encoded = self.model.encode([list(w.tokens) for w in items])
        if self.drafter is not None and self.decoder.drafts:
            for enc, hint in zip(encoded, self.drafter.parse_many(items), strict=True):
                enc.hint = hint
        return encoded

    def to_parse(self, words: Words, decoded: Decoded, scores: tuple[list[float], list[list[float]]] = ([], [])
                 ) -> Parse:
        """The `Parse` of decoded decisions over `words`, with the calibrated scores of `raw_scores` if given."""
        c, cal = self.model.config, self.calibration
        base = Parse(instruction=words.instruction, tokens=words.tokens, offsets=words.offsets)
        task_raw, arg_raw = scores
        score = lambda kind, raw, i: cal.apply(kind, raw[i]) if i < len(raw) else None
        tasks = tuple(
            TaskFrame(type=c.task_types[t.type], trigger=base.span(t.start, t.end), score=score("task", task_raw, k),
                      arguments=tuple(
                Argument(role=c.roles[a.role], span=base.span(a.start, a.end), grounding=c.classes[a.cls],
                         attributes=tuple(Attribute(type=c.attributes[m], span=base.span(s, e))
                                          for m, s, e in a.attributes),
                         score=score("argument", arg_raw[k] if k < len(arg_raw) else [], j))
                for j, a in enumerate(t.arguments)))
            for k, t in enumerate(decoded.tasks))
        return base.model_copy(update={"tasks": tasks})


def _decisions(parsed: TaskFrame | Parse) -> tuple:
    """What a task (or a parse's tasks) decides, scores aside: type, trigger, roles and spans."""
    if isinstance(parsed, Parse):
        return tuple(map(_decisions, parsed.tasks))
    return (parsed.type, parsed.trigger.start, parsed.trigger.end,
            tuple((a.role, a.span.start, a.span.end) for a in parsed.arguments))
