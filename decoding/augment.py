"""Training-time augmentation: new phrasings of gold parses whose labels follow by construction.

Every operation edits the words of a gold `Parse` and moves its spans with them: requests and vocatives around
an instruction ("robot , could you ... ?"), two instructions chained into one command ("... , and then ..."),
a forbidden action or one outside the 16 task types beside it (clauses that add no task), commas before later
tasks, another object word in place of an argument's head ("lettuce" for "apple", with its class), and casing.
The phrasing data (`Phrasing`) is a YAML file; nothing here knows an evaluation set.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import DataError
from .parse import Argument, Attribute, Parse, TaskFrame

__all__ = ["Phrasing", "Augmenter"]

_YOU, _AGENT = "you", "Agent"  # the addressee of a request and its role in tagE


@dataclass(frozen=True)
class Phrasing:
    """Word lists for augmentation: `prefixes`, `suffixes`, `connectors`, `relative_clauses`, `negations`,
    `other_actions` (tuples of words; in an other action, `{kind}` stands for an object word of that kind), the
    `relations` words a relative clause may precede and, per kind
    (portable, fixture, room), object words (tuples of words) with their grounding class; `kinds` maps a class
    to its kind."""

    prefixes: tuple[tuple[str, ...], ...]
    suffixes: tuple[tuple[str, ...], ...]
    connectors: tuple[tuple[str, ...], ...]
    relative_clauses: tuple[tuple[str, ...], ...]
    negations: tuple[tuple[str, ...], ...]
    other_actions: tuple[tuple[str, ...], ...]
    relations: frozenset[str]
    objects: dict[str, tuple[tuple[tuple[str, ...], str], ...]]
    kinds: dict[str, str]

    @classmethod
    def load(cls, path: str | Path) -> Phrasing:
        """Read and check a phrasing YAML file (see data/augment/phrasing.yaml)."""
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise DataError(f"{path}: cannot read the phrasing file: {err}") from err
        if not isinstance(raw, dict):
            raise DataError(f"{path}: expected a mapping with prefixes, suffixes, connectors, objects, kinds")
        words = {key: tuple(tuple(str(e).split()) for e in _field(raw, key, list, path))
                 for key in ("prefixes", "suffixes", "connectors", "relative_clauses", "negations", "other_actions")}
        relations = frozenset(str(w) for w in _field(raw, "relations", list, path))
        objects = {kind: tuple((tuple(str(name).split()), str(cls_)) for name, cls_ in _table(table, kind, path))
                   for kind, table in _field(raw, "objects", dict, path).items()}
        kinds = {c: kind for kind, classes in _field(raw, "kinds", dict, path).items() for c in classes}
        if missing := sorted(set(kinds.values()) - set(objects)):
            raise DataError(f"{path}: kinds {missing} have no object names under 'objects'")
        slots = {w for action in words["other_actions"] for w in action if w.startswith("{")}
        if unknown := sorted(s for s in slots if s[1:-1] not in objects or not s.endswith("}")):
            raise DataError(f"{path}: other_actions use {unknown}; a slot is {{kind}} with a kind of 'objects' "
                            f"({', '.join(sorted(objects))})")
        return cls(words["prefixes"], words["suffixes"], words["connectors"], words["relative_clauses"],
                   words["negations"], words["other_actions"], relations, objects, kinds)


def _table(table: object, kind: str, path) -> list:
    if not isinstance(table, dict) or not table:
        raise DataError(f"{path}: objects.{kind} must be a non-empty mapping of object names to classes")
    return list(table.items())


def _field(raw: dict, key: str, kind: type, path) -> list | dict:
    value = raw.get(key)
    if not isinstance(value, kind) or not value:
        raise DataError(f"{path}: '{key}' must be a non-empty {kind.__name__}")
    return value


@dataclass
class _Draft:
    """A parse being edited: words and tasks whose spans are (start, end) pairs."""

    tokens: list[str]
    tasks: list[dict]  # {"type", "trigger": (s, e), "arguments": [{"role", "span", "grounding", "attributes"}]}

    @classmethod
    def of(cls, parse: Parse) -> _Draft:
        pair = lambda s: (s.start, s.end)
        tasks = [{"type": t.type, "trigger": pair(t.trigger), "arguments": [
            {"role": a.role, "span": pair(a.span), "grounding": a.grounding,
             "attributes": [(m.type, pair(m.span)) for m in a.attributes]} for a in t.arguments]}
            for t in parse.tasks]
        return cls(list(parse.tokens), tasks)

    def splice(self, i: int, j: int, new: Sequence[str]) -> None:
        """Replace words i..j-1 by `new` (an insertion when i == j); spans move with their words, and a span
        that ends on a replaced word ends on the last new word."""
        delta = len(new) - (j - i)
        move_start = lambda k: k if k < i else (k + delta if k >= j else i)
        move_end = lambda k: k if k < i else (k + delta if k >= j else i + len(new) - 1)
        self.tokens[i:j] = list(new)
        self._map(lambda s: (move_start(s[0]), move_end(s[1])))

    def shift(self, by: int) -> None:
        self._map(lambda s: (s[0] + by, s[1] + by))

    def _map(self, f) -> None:
        for task in self.tasks:
            task["trigger"] = f(task["trigger"])
            for arg in task["arguments"]:
                arg["span"] = f(arg["span"])
                arg["attributes"] = [(kind, f(span)) for kind, span in arg["attributes"]]

    def to_parse(self) -> Parse:
        instruction, offsets, at = " ".join(self.tokens), [], 0
        for word in self.tokens:
            offsets.append((at, at + len(word)))
            at += len(word) + 1
        base = Parse(instruction=instruction, tokens=tuple(self.tokens), offsets=tuple(offsets))
        span = lambda s: base.span(*s)
        tasks = tuple(TaskFrame(type=t["type"], trigger=span(t["trigger"]), arguments=tuple(
            Argument(role=a["role"], span=span(a["span"]), grounding=a["grounding"],
                     attributes=tuple(Attribute(type=k, span=span(s)) for k, s in a["attributes"]))
            for a in t["arguments"])) for t in self.tasks)
        return base.model_copy(update={"tasks": tasks})


class Augmenter:
    """New phrasings of gold parses, seeded.

    Examples
    --------
    >>> from decoding.files import read_parses                                  # doctest: +SKIP
    >>> augmenter = Augmenter(Phrasing.load("data/augment/phrasing.yaml"), seed=0)  # doctest: +SKIP
    >>> variants = augmenter.variants(read_parses("data/tage/train.jsonl"))     # doctest: +SKIP
    """

    def __init__(self, phrasing: Phrasing, seed: int = 0, chain: float = 0.15, negate: float = 0.1,
                 other: float = 0.0, max_words: int = 60, max_tasks: int = 12):
        self.phrasing, self.rng = phrasing, random.Random(seed)
        self.chain = chain  # share of variants chained with a second instruction (they cost the most to train on)
        self.negate = negate  # share of the others beside a forbidden action (a clause that is no task)
        self.other = other  # share of the rest beside an action outside the 16 task types (no task either)
        self.max_words, self.max_tasks = max_words, max_tasks
        self._names = {words for table in phrasing.objects.values() for words, _ in table}

    def variants(self, parses: Sequence[Parse], copies: int = 1) -> list[Parse]:
        """`copies` new phrasings of each parse (each one edited by at least one operation)."""
        return [self.vary(p, parses) for _ in range(copies) for p in parses if p.tasks]

    def vary(self, parse: Parse, pool: Sequence[Parse]) -> Parse:
        """One new phrasing of `parse`; `pool` supplies a second instruction to chain with."""
        draft, rng = _Draft.of(parse), self.rng
        if rng.random() < self.chain:
            self._chain(draft, rng.choice(pool))
        elif rng.random() < self.negate:
            self._forbid(draft, next((p for p in (rng.choice(pool) for _ in range(8)) if len(p.tasks) == 1), None))
        elif self.other and rng.random() < self.other:  # no draw at 0: the shipped model's variants stay the same
            self._other_action(draft)
        if rng.random() < 0.5:
            self._substitute(draft)
        if rng.random() < 0.25:
            self._comma_before_tasks(draft)
        if rng.random() < 0.3:
            self._relative_clause(draft)
        if rng.random() < 0.6:
            self._wrap(draft)
        self._case(draft)
        return draft.to_parse()

    def _wrap(self, draft: _Draft) -> None:
        """A request around the instruction. As tagE annotates "can you ...", the "you" a request addresses is
        the first task's Agent; an instruction that has an Agent already gets no second "you"."""
        rng, p = self.rng, self.phrasing
        prefix = rng.choice(p.prefixes) if rng.random() < 0.8 else ()
        has_agent = any(a["role"] == _AGENT for t in draft.tasks for a in t["arguments"])
        while has_agent and _YOU in prefix:
            prefix = rng.choice(p.prefixes)
        suffix = rng.choice(p.suffixes) if rng.random() < 0.6 else ()
        if prefix and draft.tokens and draft.tokens[0] != "I":
            draft.tokens[0] = draft.tokens[0].lower()
        draft.splice(len(draft.tokens), len(draft.tokens), suffix)
        draft.splice(0, 0, prefix)
        if _YOU in prefix and draft.tasks:
            you = prefix.index(_YOU)
            agent = {"role": _AGENT, "span": (you, you), "grounding": "unk", "attributes": []}
            draft.tasks[0]["arguments"].insert(0, agent)

    def _chain(self, draft: _Draft, other: Parse) -> None:
        second = _Draft.of(other)
        connector = self.rng.choice(self.phrasing.connectors)
        if (not second.tasks or len(draft.tokens) + len(connector) + len(second.tokens) > self.max_words
                or len(draft.tasks) + len(second.tasks) > self.max_tasks):
            return
        if second.tokens[0] != "I":
            second.tokens[0] = second.tokens[0].lower()
        second.shift(len(draft.tokens) + len(connector))
        draft.tokens += list(connector) + second.tokens
        draft.tasks += second.tasks

    def _forbid(self, draft: _Draft, other: Parse | None) -> None:
        """A forbidden action beside the instruction, before ("do n't X , Y") or after ("Y , but do n't X"): the
        words of another one-task instruction, which now ask for nothing, so they add no task."""
        words = [w.lower() if w != "I" else w for w in other.tokens] if other is not None else []
        if not words or len(draft.tokens) + len(words) + 4 > self.max_words:
            return
        negation = list(self.rng.choice(self.phrasing.negations))
        if self.rng.random() < 0.5:
            if draft.tokens[0] != "I":
                draft.tokens[0] = draft.tokens[0].lower()
            draft.splice(0, 0, [*negation, *words, ","])
        else:
            draft.splice(len(draft.tokens), len(draft.tokens), [",", "but", *negation, *words])

    def _other_action(self, draft: _Draft) -> None:
        """An action outside the 16 task types before ("wipe the table , then ...") or after the instruction
        ("... and then wash the cup"): its clause adds no task."""
        rng, p = self.rng, self.phrasing
        words = [w2 for w in rng.choice(p.other_actions)
                 for w2 in (rng.choice(p.objects[w[1:-1]])[0] if w.startswith("{") else (w,))]
        connector = list(rng.choice(p.connectors))
        if len(draft.tokens) + len(words) + len(connector) > self.max_words:
            return
        if rng.random() < 0.5:
            if draft.tokens[0] != "I":
                draft.tokens[0] = draft.tokens[0].lower()
            draft.splice(0, 0, [*words, *connector])
        else:
            draft.splice(len(draft.tokens), len(draft.tokens), [*connector, *words])

    def _comma_before_tasks(self, draft: _Draft) -> None:
        for task in reversed(draft.tasks[1:]):
            start = task["trigger"][0]
            before = start - 1 if start > 0 and draft.tokens[start - 1].lower() in ("and", "then") else start
            if before > 0 and draft.tokens[before - 1] not in ",.;":
                draft.splice(before, before, [","])

    def _relative_clause(self, draft: _Draft) -> None:
        """ "the book on the table" -> "the book that is on the table": clause words between an argument and the
        relation word after it (outside every span, so no label changes)."""
        inside = {i for t in draft.tasks for s in [t["trigger"], *(a["span"] for a in t["arguments"])]
                  for i in range(s[0], s[1] + 1)}
        ends = sorted({a["span"][1] for t in draft.tasks for a in t["arguments"]
                       if a["span"][1] + 1 < len(draft.tokens) and a["span"][1] + 1 not in inside
                       and draft.tokens[a["span"][1] + 1].lower() in self.phrasing.relations})
        if ends:
            at = self.rng.choice(ends) + 1
            draft.splice(at, at, self.rng.choice(self.phrasing.relative_clauses))

    def _substitute(self, draft: _Draft) -> None:
        """Another object name of the same kind in place of the name that ends one or two object arguments,
        everywhere that name ends an argument (a shared span, or a pronoun's antecedent, changes in every task).
        The replaced words are the longest known name ending the span ("coffee table"), else its last word."""
        ends = {}
        for task in draft.tasks:
            for arg in task["arguments"]:
                if self.phrasing.kinds.get(arg["grounding"]):
                    start, grounding = ends.get(arg["span"][1], (arg["span"][0], arg["grounding"]))
                    ends[arg["span"][1]] = (max(start, arg["span"][0]), grounding)
        chosen = self.rng.sample(sorted(ends), min(len(ends), self.rng.choice((1, 2))))
        for end in sorted(chosen, reverse=True):
            start, grounding = ends[end]
            kind = self.phrasing.kinds[grounding]
            first = self._name_start(draft.tokens, start, end)
            words, new_class = self.rng.choice(self.phrasing.objects[kind])
            draft.splice(first, end + 1, words)
            for task in draft.tasks:
                for arg in task["arguments"]:
                    if arg["span"][1] == first + len(words) - 1 and arg["grounding"] in self.phrasing.kinds:
                        arg["grounding"] = new_class

    def _name_start(self, tokens: list[str], start: int, end: int) -> int:
        """The first word of the longest known object name that ends at `end` inside start..end, or `end`."""
        for first in range(start, end):
            if tuple(w.lower() for w in tokens[first : end + 1]) in self._names:
                return first
        return end

    def _case(self, draft: _Draft) -> None:
        roll = self.rng.random()
        if roll < 0.2:
            draft.tokens[:] = [w.lower() for w in draft.tokens]
        elif roll < 0.6 and draft.tokens:
            draft.tokens[0] = draft.tokens[0][:1].upper() + draft.tokens[0][1:]

