"""Three greedy decoders of the generative model, and `get_decoder`.

(a) `OutlinesDecoder`: stock `outlines.Generator(model, JsonSchema(schema))` over HF `generate`;
(b) `ConstrainedDecoder`: an outlines-core `Index` of `output_regex` over the decoder vocabulary, logits masked at
    every step, EOS only in final states, tokens that could not be completed within the length budget masked too
    (so a weak model cannot end mid-structure), KV cache, one decoder call per token;
(c) `SpeculativeDecoder`: (b) plus jump-forward of forced tokens and drafts verified in one decoder pass, accepted
    while equal to the masked greedy choice, so its output is (b)'s. Drafts: prompt lookup over the source sentence
    (the value being written continued as the instruction continues it; a new value as the next content word after
    the previous span), the class drafted as the span's last word, and a Token-Recycling-style table of what
    followed each token pair in earlier outputs, chained with forced tokens.
(b) and (c) take `spans=True` ("constrained+spans", "speculative+spans"): trigger and argument texts are then also
restricted to runs of the instruction's words (a mask beside the index), so every span is found in the instruction.
Both run the decoder through `KVCache`, the same BART math without HF's per-call machinery (tested equal to HF's
forward); (a) runs HF `generate` as a user of outlines would.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from ..parse import Parse
from .format import CLASS, STRUCTURE, TEXT, TRIGGER, from_json, output_schema, template_of
from .model import GenerativeModel
from .tokenizer import BOS, EOS

__all__ = ["Generated", "ConstrainedDecoder", "SpeculativeDecoder", "OutlinesDecoder", "DECODERS", "get_decoder"]


@dataclass(frozen=True)
class Generated:
    """A decoded instruction: the JSON text, its parse, whether everything in it was usable, and its cost."""

    text: str
    parse: Parse
    valid: bool        # the text is JSON of the format and every span was found in the instruction
    dropped: int       # arguments (and tasks, for a trigger) whose span text is not in the instruction
    calls: int         # decoder forward passes
    tokens: tuple[int, ...] = ()


class _SourceSpans:
    """The span values an instruction allows: its runs of up to `max_words` words (lower case), and their prefixes."""

    def __init__(self, instruction: str, max_words: int):
        words = instruction.lower().split()
        self.full = {" ".join(words[i:j]) for i in range(len(words))
                     for j in range(i + 1, min(len(words), i + max_words) + 1)}
        self.prefixes = {s[:n] for s in self.full for n in range(1, len(s) + 1)}


class _Decoder:
    name = "?"

    def __init__(self, gm: GenerativeModel, spans: bool = False):
        self.gm, self.spans = gm, spans
        vocab = gm.tokenizer.get_vocab()
        self._structure = {vocab[s] for s in STRUCTURE}
        self._copy_after = {vocab[TRIGGER], vocab[TEXT]}
        self._token_text = [gm.tokenizer.convert_tokens_to_string([t]).lower()
                            for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
        if spans:
            self.name += "+spans"

    def __call__(self, instruction: str, template: Parse | None = None) -> Generated:
        template = template or template_of(instruction)
        text, calls, tokens = self._generate(instruction)
        parse, valid, dropped = from_json(text, template)
        return Generated(text, parse, valid, dropped, calls, tuple(tokens))

    def _generate(self, instruction: str) -> tuple[str, int, list[int]]:
        raise NotImplementedError

    def _text(self, tokens: Sequence[int]) -> str:
        return self.gm.tokenizer.decode(list(tokens), skip_special_tokens=True)

    def _sources(self, instruction: str) -> _SourceSpans | None:
        return _SourceSpans(instruction, self.gm.bounds.max_span_words) if self.spans else None

    def _allowed(self, out: list[int], state: int, sources: _SourceSpans | None) -> torch.Tensor:
        """The index's allowed tokens; with `spans`, inside a trigger or text value only tokens that keep it a
        run of the instruction's words, and closing it only once it is one (unless that leaves nothing)."""
        allowed = self.gm.index.allowed(state, self.gm.bounds.max_new_tokens - len(out))
        if sources is None:
            return allowed
        k = len(out)
        while k > 0 and out[k - 1] not in self._structure:
            k -= 1
        if k == 0 or out[k - 1] not in self._copy_after:
            return allowed
        value, text = "".join(self._token_text[t] for t in out[k:]), self._token_text
        keep = [t for t in allowed.tolist() if (value in sources.full if t in self._structure
                                                 else value + text[t] in sources.prefixes)]
        return torch.tensor(keep, dtype=torch.long) if keep else allowed


def _masked_argmax(logits: torch.Tensor, allowed: torch.Tensor) -> int:
    # the first maximum among sorted allowed ids: the same tie-break as argmax over -inf-masked logits
    return int(allowed[int(logits[allowed].argmax())])


class ConstrainedDecoder(_Decoder):
    """(b) Greedy under the outlines-core index, one decoder call per token, KV cache."""

    name = "constrained"

    def _generate(self, instruction):
        gm, index = self.gm, self.gm.index
        encoded, state, out, pending, cache, calls = gm.encode(instruction), index.start, [], [BOS], None, 0
        sources = self._sources(instruction)
        while len(out) < gm.bounds.max_new_tokens:
            logits, cache = gm.step(encoded, pending, cache)
            calls += 1
            token = _masked_argmax(logits[-1], self._allowed(out, state, sources))
            if token == EOS:
                break
            state, pending = index.advance(state, token), [token]
            out.append(token)
        return self._text(out), calls, out


@dataclass
class _Recycler:
    """Token-Recycling-style table: the token that last followed each pair of tokens in earlier outputs (bounded)."""

    follow: dict[tuple[int, int], int] = field(default_factory=dict)
    class_of: dict[str, str] = field(default_factory=dict)  # argument text (lower case) -> its last class
    limit: int = 1 << 16

    def learn(self, tokens: Sequence[int], text: str) -> None:
        seq = [BOS, BOS, *tokens, EOS]
        for a, b, c in zip(seq, seq[1:], seq[2:], strict=False):
            if len(self.follow) < self.limit or (a, b) in self.follow:
                self.follow[a, b] = c
        for task in json.loads(text):  # the output is complete JSON of the format
            for arg in task["arguments"]:
                if len(self.class_of) < self.limit:
                    self.class_of[arg["text"].lower()] = arg["class"]

    def next(self, a: int, b: int) -> int | None:
        return self.follow.get((a, b))


class SpeculativeDecoder(_Decoder):
    """(c) `ConstrainedDecoder` with jump-forward of forced tokens and drafts verified in one pass; same output."""

    name = "speculative"

    def __init__(self, gm: GenerativeModel, spans: bool = False, draft_len: int = 8):
        super().__init__(gm, spans)
        self.draft_len = draft_len
        self.table = _Recycler()
        self._class_after, self._text_id = gm.tokenizer.get_vocab()[CLASS], gm.tokenizer.get_vocab()[TEXT]

    def _generate(self, instruction):
        gm, index = self.gm, self.gm.index
        encoded, state, out, pending, cache, calls = gm.encode(instruction), index.start, [], [BOS], None, 0
        sources, copies, words = self._sources(instruction), self._copies(instruction), instruction.split()
        while len(out) < gm.bounds.max_new_tokens:
            allowed = self._allowed(out, state, sources)
            if len(allowed) == 1:  # jump-forward: the grammar leaves one choice
                token = int(allowed[0])
                if token == EOS:
                    break
                state = index.advance(state, token)
                out.append(token)
                pending.append(token)
                continue
            room = gm.bounds.max_new_tokens - len(out) - 1  # drafted tokens must stay within the positions
            draft = self._draft(out, state, copies, words)[: max(room, 0)]
            logits, cache = gm.step(encoded, pending + draft, cache)
            calls += 1
            done, accepted, state = self._verify(logits[len(pending) - 1 :], draft, state, out, sources)
            if done:
                break
            cache.crop(accepted - len(draft))  # forget the rejected draft tokens (a negative count removes)
            pending = [out[-1]]
        text = self._text(out)
        self.table.learn(out, text)
        return text, calls, out

    def _verify(self, logits, draft, state, out, sources) -> tuple[bool, int, int]:
        """Commit masked greedy choices while they equal the draft: (EOS reached, draft tokens accepted, state)."""
        index = self.gm.index
        for i in range(len(draft) + 1):
            token = _masked_argmax(logits[i], self._allowed(out, state, sources))
            if token == EOS:
                return True, i, state
            state = index.advance(state, token)
            out.append(token)
            if i == len(draft) or token != draft[i] or len(out) >= self.gm.bounds.max_new_tokens:
                return False, i, state
        raise AssertionError("unreachable")

    # ---- drafts --------------------------------------------------------------------------------------------------
    def _copies(self, instruction: str) -> list[list[int]]:
        """For each word of the instruction, the tokens of the words from it on, as a span value spells them."""
        words = instruction.split()
        n = self.gm.bounds.max_span_words
        return [self.gm.pieces(" ".join(words[i : i + n])) for i in range(len(words))]

    def _draft(self, out: list[int], state: int, copies: list[list[int]], words: list[str]) -> list[int]:
        """The source copy of the value being written, then forced tokens and the table's guesses, while valid."""
        index, draft = self.gm.index, []
        for t in self._copy(out, copies, words)[: self.draft_len]:
            state = index.advance(state, t)
            if state is None:
                return draft
            draft.append(t)
        seq = [BOS, BOS, *out, *draft]  # BOS twice: the pair before the first token
        while len(draft) < self.draft_len:
            allowed = index.allowed(state)
            t = int(allowed[0]) if len(allowed) == 1 else self.table.next(seq[-2], seq[-1])
            if t is None or t == EOS:
                return draft
            state = index.advance(state, t)
            if state is None:
                return draft
            draft.append(t)
            seq.append(t)
        return draft

    def _copy(self, out: list[int], copies: list[list[int]], words: list[str]) -> list[int]:
        """Prompt lookup over the source: the value being written continued as the instruction continues it; a new
        value drafted as the instruction's next content words after the previous span; a class as the span's last
        word, lower-cased."""
        k = len(out)
        while k > 0 and out[k - 1] not in self._structure:
            k -= 1
        if k == 0:
            return []
        value = out[k:]
        if out[k - 1] == self._class_after and not value:
            text = self._text(self._previous_value(out, k - 1)).lower()
            guess = self.table.class_of.get(text) or (text.split() or [""])[-1]
            return self.gm.pieces(guess) if guess else []
        if out[k - 1] not in self._copy_after:
            return []
        if not value:
            m = self._after_previous_span(out, k - 1, words)
            return self._then_class(out[k - 1], copies[m], "") if m < len(copies) else []
        for src in copies:
            if src[: len(value)] == value and len(src) > len(value):
                return self._then_class(out[k - 1], src[len(value) :], self._text(value))
        return []

    def _then_class(self, opener: int, rest: list[int], written: str) -> list[int]:
        """`rest` up to the end of its first word; after a text value, then the class token and the word as class."""
        end = next((i for i in range(len(rest)) if self._token_text[rest[i]].startswith(" ")), len(rest))
        if opener != self._text_id:
            return rest[:end]
        text = (written + self._text(rest[:end])).lower()
        guess = self.table.class_of.get(text) or (text.split() or [""])[-1]
        return rest[:end] + [self._class_after] + (self.gm.pieces(guess) if guess else [])

    def _previous_value(self, out: list[int], end: int) -> list[int]:
        """The tokens of the value that ends at `end` (a structural token)."""
        start = max((i for i in range(end) if out[i] in self._structure), default=-1)
        return out[start + 1 : end]

    def _after_previous_span(self, out: list[int], end: int, words: list[str]) -> int:
        """The first content word after the last trigger or argument text written before `end` (0 if none)."""
        opens = [i for i in range(end) if out[i] in self._copy_after]
        if not opens:
            return _next_content(words, 0)
        j = opens[-1] + 1
        close = next((i for i in range(j, end + 1) if out[i] in self._structure), end)
        text = self._text(out[j:close]).lower().split()
        lower = [w.lower() for w in words]
        at = next((i for i in range(len(lower)) if lower[i : i + len(text)] == text), None) if text else None
        return _next_content(words, 0 if at is None else at + len(text))


_FUNCTION_WORDS = frozenset("the a an to of in on at from into onto and then with this that please".split())


def _next_content(words: list[str], start: int) -> int:
    while start < len(words) and words[start].lower() in _FUNCTION_WORDS:
        start += 1
    return start


class OutlinesDecoder(_Decoder):
    """(a) Stock outlines: `outlines.Generator(model, JsonSchema(schema))` over HF `generate` (greedy)."""

    name = "outlines"

    def __init__(self, gm: GenerativeModel):
        import outlines

        super().__init__(gm)
        t0 = time.perf_counter()
        self.model = outlines.from_transformers(gm.model, gm.tokenizer)
        self.generator = outlines.Generator(self.model, outlines.types.JsonSchema(output_schema(gm.labels, gm.bounds)))
        self.compile_ms = (time.perf_counter() - t0) * 1000
        self._calls = 0
        self._hook = gm.model.get_decoder().register_forward_hook(self._count)

    def _count(self, *_):
        self._calls += 1

    def _generate(self, instruction):
        self._calls = 0
        ids = self.gm.source_ids(instruction)
        if ids.shape[1] == 0 or ids.shape[1] >= self.gm.config.max_positions:
            instruction = self.gm.tokenizer.decode(ids[0] if ids.shape[1] else [EOS])
        text = self.generator(instruction, max_new_tokens=self.gm.bounds.max_new_tokens, do_sample=False)
        return text, self._calls, list(self.gm.tokenizer(text)["input_ids"])


DECODERS: dict[str, Callable[[GenerativeModel], _Decoder]] = {
    "outlines": OutlinesDecoder, "constrained": ConstrainedDecoder, "speculative": SpeculativeDecoder,
    "constrained+spans": lambda gm: ConstrainedDecoder(gm, spans=True),
    "speculative+spans": lambda gm: SpeculativeDecoder(gm, spans=True)}


def get_decoder(name: str, gm: GenerativeModel) -> _Decoder:
    """The decoder called `name` over `gm`: "outlines", "constrained", "speculative", or one of the last two with
    "+spans" (trigger and argument texts restricted to runs of the instruction's words)."""
    if name not in DECODERS:
        raise ValueError(f"unknown generative decoder {name!r}; known: {sorted(DECODERS)}")
    return DECODERS[name](gm)
