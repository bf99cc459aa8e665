"""Drafts for the speculative decoder: prompt lookup over the source sentence, then a Token-Recycling-style table.

Prompt lookup: the value being written (a trigger or an argument text) continued as the instruction continues it, a
new value as the instruction's next content word after the previous span, a class as the class that text had last
time or its last word. Then forced tokens and what followed the last two tokens before, in earlier outputs and
earlier in this one (the table learns as the output is written: the format repeats within an output), up to
`draft_len` tokens. A draft is only a guess: the decoder keeps the model's own choices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import GenerativeModel
from .tokenizer import BOS, EOS

__all__ = ["RecyclingTable", "Lookup", "Drafter"]

_FUNCTION_WORDS = frozenset("the a an to of in on at from into onto and then with this that please".split())


@dataclass
class RecyclingTable:
    """The token that last followed each pair of tokens, and each argument text's last class (both bounded)."""

    follow: dict[tuple[int, int], int] = field(default_factory=dict)
    class_of: dict[str, str] = field(default_factory=dict)  # argument text (lower case) -> its last class
    limit: int = 1 << 16

    def learn(self, seq: Sequence[int], start: int) -> None:
        """What followed each pair in `seq` (BOS, BOS, output tokens...), from position `start` on."""
        for i in range(max(start, 2), len(seq)):
            pair = seq[i - 2], seq[i - 1]
            if len(self.follow) < self.limit or pair in self.follow:
                self.follow[pair] = seq[i]

    def learn_classes(self, text: str) -> None:
        """The class of every argument text of `text`, a complete output of the format."""
        for task in json.loads(text):
            for arg in task["arguments"]:
                if len(self.class_of) < self.limit:
                    self.class_of[arg["text"].lower()] = arg["class"]


@dataclass
class Lookup:
    """One instruction's drafting state: its words, what a span value starting at each word spells."""

    words: list[str]
    copies: list[list[int]]  # for each word, the tokens of the words from it on (as many as a span may have)
    learned: int = 2         # how much of (BOS, BOS, output...) the table has learned


class Drafter:
    """Drafts the next tokens of an output of `gm`; its table learns from every output it sees."""

    def __init__(self, gm: GenerativeModel, draft_len: int = 8):
        self.gm, self.draft_len, self.tokens = gm, draft_len, gm.tokens
        self.table = RecyclingTable()

    def lookup(self, instruction: str) -> Lookup:
        words, n = instruction.split(), self.gm.bounds.max_span_words
        return Lookup(words, [self.gm.pieces(" ".join(words[i : i + n])) for i in range(len(words))])

    def draft(self, out: list[int], state: int, lookup: Lookup) -> list[int]:
        """The source copy of the value being written, then forced tokens and the table's guesses, while valid."""
        seq = [BOS, BOS, *out]  # BOS twice: the pair before the first token
        self.table.learn(seq, lookup.learned)
        lookup.learned = len(seq)
        index, draft = self.gm.index, []
        for t in self._copy(out, lookup)[: self.draft_len]:
            state = index.advance(state, t)
            if state is None:
                return draft
            draft.append(t)
        return self._extend(draft, state, seq + draft)

    def finish(self, out: list[int], text: str, lookup: Lookup) -> None:
        """Learn the rest of a finished output (`text` is its JSON)."""
        self.table.learn([BOS, BOS, *out, EOS], lookup.learned)
        self.table.learn_classes(text)

    def _extend(self, draft: list[int], state: int, seq: list[int]) -> list[int]:
        """`draft` continued by forced tokens and the table's guesses while the format allows them."""
        index = self.gm.index
        while len(draft) < self.draft_len:
            allowed = index.allowed(state)
            t = int(allowed[0]) if len(allowed) == 1 else self.table.follow.get((seq[-2], seq[-1]))
            if t is None or t == EOS:
                return draft
            state = index.advance(state, t)
            if state is None:
                return draft
            draft.append(t)
            seq.append(t)
        return draft

    def _copy(self, out: list[int], lookup: Lookup) -> list[int]:
        """Prompt lookup over the source for the value being written (see the module's docstring)."""
        k = self.tokens.value_start(out)
        if k == 0:
            return []
        opener, value = out[k - 1], out[k:]
        if opener == self.tokens.cls and not value:
            return self._class_guess(self._text(self._previous_value(out, k - 1)))
        if opener not in self.tokens.spans:
            return []
        if not value:
            m = self._after_previous_span(out, k - 1, lookup.words)
            return self._then_class(opener, lookup.copies[m], "") if m < len(lookup.copies) else []
        for src in lookup.copies:
            if src[: len(value)] == value and len(src) > len(value):
                return self._then_class(opener, src[len(value) :], self._text(value))
        return []

    def _then_class(self, opener: int, rest: list[int], written: str) -> list[int]:
        """`rest` up to the end of its first word; after a text value, then the class token and the class guess."""
        end = next((i for i in range(len(rest)) if self.tokens.lower[rest[i]].startswith(" ")), len(rest))
        if opener != self.tokens.text:
            return rest[:end]
        return rest[:end] + [self.tokens.cls] + self._class_guess(written + self._text(rest[:end]))

    def _class_guess(self, text: str) -> list[int]:
        """The class `text` had last time, else its last word."""
        text = text.lower()
        guess = self.table.class_of.get(text) or (text.split() or [""])[-1]
        return self.gm.pieces(guess) if guess else []

    def _text(self, tokens: Sequence[int]) -> str:
        return self.gm.tokenizer.decode(list(tokens), skip_special_tokens=True)

    def _previous_value(self, out: list[int], end: int) -> list[int]:
        """The tokens of the value that ends at `end` (a structural token)."""
        start = max((i for i in range(end) if out[i] in self.tokens.structure), default=-1)
        return out[start + 1 : end]

    def _after_previous_span(self, out: list[int], end: int, words: list[str]) -> int:
        """The first content word after the last trigger or argument text written before `end` (0 if none)."""
        opens = [i for i in range(end) if out[i] in self.tokens.spans]
        if not opens:
            return _next_content(words, 0)
        j = opens[-1] + 1
        close = next((i for i in range(j, end + 1) if out[i] in self.tokens.structure), end)
        text = self._text(out[j:close]).lower().split()
        lower = [w.lower() for w in words]
        at = next((i for i in range(len(lower)) if lower[i : i + len(text)] == text), None) if text else None
        return _next_content(words, 0 if at is None else at + len(text))


def _next_content(words: list[str], start: int) -> int:
    while start < len(words) and words[start].lower() in _FUNCTION_WORDS:
        start += 1
    return start
