"""Three greedy decoders of the generative model, and `get_decoder`.

(a) `OutlinesDecoder`: stock `outlines.Generator(model, JsonSchema(schema))` over HF `generate`, as a user of outlines
    would run it;
(b) `ConstrainedDecoder`: an outlines-core `Index` of `output_regex` over the decoder vocabulary, logits masked at
    every step, EOS only in final states, tokens that could not be completed within the length budget masked too
    (so a weak model cannot end mid-structure), one decoder call per token;
(c) `SpeculativeDecoder`: (b) plus jump-forward of forced tokens and drafts (`drafts.Drafter`) verified in one
    decoder pass, accepted while equal to the masked greedy choice, so its output is (b)'s.
(b) and (c) take `spans=True` (the "+spans" variants of their names): trigger and argument texts are then also
restricted to runs of the instruction's words (a mask beside the index), so every span is found in the instruction.
Both run the model through `lean.KVCache`, the same math as HF's forward without its per-call machinery.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ..parse import Parse
from ..parser import Words
from .drafts import Drafter
from .format import from_json, output_schema, template_of
from .model import GenerativeModel
from .names import GENERATIVE_CONSTRAINED, GENERATIVE_OUTLINES, GENERATIVE_SPECULATIVE
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


class _Decoder(ABC):
    """Decodes instructions with `gm`; `parse` and `parse_many` are the extractor's interface."""

    def __init__(self, gm: GenerativeModel, spans: bool = False):
        self.gm, self.spans = gm, spans

    def __call__(self, instruction: str, template: Parse | None = None) -> Generated:
        """The output for `instruction`, read back onto `template`'s words (default: its whitespace words)."""
        template = template or template_of(instruction)
        text, calls, tokens = self._generate(instruction)
        parse, valid, dropped = from_json(text, template)
        return Generated(text, parse, valid, dropped, calls, tuple(tokens))

    def parse(self, instruction: str) -> Parse:
        return self(instruction).parse

    def parse_many(self, items: Sequence[Words]) -> list[Parse]:
        """The parses of instructions already cut into words (one at a time: the decoders do not batch)."""
        return [self(w.instruction, Parse(instruction=w.instruction, tokens=w.tokens, offsets=w.offsets)).parse
                for w in items]

    @abstractmethod
    def _generate(self, instruction: str) -> tuple[str, int, list[int]]:
        """(output text, decoder calls, output tokens without EOS)."""

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
        tokens = self.gm.tokens
        k = tokens.value_start(out)
        if k == 0 or out[k - 1] not in tokens.spans:
            return allowed
        value, text = "".join(tokens.lower[t] for t in out[k:]), tokens.lower
        keep = [t for t in allowed.tolist() if (value in sources.full if t in tokens.structure
                                                 else value + text[t] in sources.prefixes)]
        return torch.tensor(keep, dtype=torch.long) if keep else allowed


def _masked_argmax(logits: torch.Tensor, allowed: torch.Tensor) -> int:
    # the first maximum among sorted allowed ids: the same tie-break as argmax over -inf-masked logits
    return int(allowed[int(logits[allowed].argmax())])


class ConstrainedDecoder(_Decoder):
    """(b) Greedy under the outlines-core index, one decoder call per token."""

    @torch.inference_mode()
    def _generate(self, instruction):
        gm, index = self.gm, self.gm.index
        cache, sources = gm.start(instruction), self._sources(instruction)
        state, out, pending, calls = index.start, [], [BOS], 0
        while len(out) < gm.bounds.max_new_tokens:
            logits = cache.run(pending)
            calls += 1
            token = _masked_argmax(logits[-1], self._allowed(out, state, sources))
            if token == EOS:
                break
            state, pending = index.advance(state, token), [token]
            out.append(token)
        return self._text(out), calls, out


class SpeculativeDecoder(_Decoder):
    """(c) `ConstrainedDecoder` with jump-forward of forced tokens and drafts verified in one pass; same output."""

    def __init__(self, gm: GenerativeModel, spans: bool = False, draft_len: int = 8):
        super().__init__(gm, spans)
        self.drafter = Drafter(gm, draft_len)

    @torch.inference_mode()
    def _generate(self, instruction):
        gm = self.gm
        cache, lookup, sources = gm.start(instruction), self.drafter.lookup(instruction), self._sources(instruction)
        state, out, pending, calls = gm.index.start, [], [BOS], 0
        while True:
            state, complete = self._jump_forward(out, state, sources, pending)
            if complete:
                break
            room = gm.bounds.max_new_tokens - len(out) - 1  # drafted tokens must stay within the positions
            draft = self.drafter.draft(out, state, lookup)[: max(room, 0)]
            logits = cache.run(pending + draft)
            calls += 1
            done, accepted, state = self._verify(logits[len(pending) - 1 :], draft, state, out, sources)
            if done:
                break
            cache.crop(accepted - len(draft))  # forget the rejected draft tokens (a negative count removes)
            pending = [out[-1]]
        text = self._text(out)
        self.drafter.finish(out, text, lookup)
        return text, calls, out

    def _jump_forward(self, out, state, sources, pending) -> tuple[int, bool]:
        """Append the tokens the grammar forces, at no model call, to `out` and `pending` (the tokens the cache
        has not seen): (state, whether the output is complete)."""
        while len(out) < self.gm.bounds.max_new_tokens:
            allowed = self._allowed(out, state, sources)
            if len(allowed) > 1:
                return state, False
            token = int(allowed[0])
            if token == EOS:
                return state, True
            state = self.gm.index.advance(state, token)
            out.append(token)
            pending.append(token)
        return state, True

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


class OutlinesDecoder(_Decoder):
    """(a) Stock outlines: `outlines.Generator(model, JsonSchema(schema))` over HF `generate` (greedy)."""

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
        if not ids or len(ids) >= self.gm.config.max_positions:
            instruction = self.gm.tokenizer.decode(ids or [EOS])
        # outlines wraps its mask kernel in torch.compile, whose first CPU call costs seconds: off for this call only
        with torch._dynamo.config.patch(disable=True):
            text = self.generator(instruction, max_new_tokens=self.gm.bounds.max_new_tokens, do_sample=False)
        return text, self._calls, list(self.gm.tokenizer(text)["input_ids"])


DECODERS: dict[str, Callable[[GenerativeModel], _Decoder]] = {
    GENERATIVE_OUTLINES: OutlinesDecoder, GENERATIVE_CONSTRAINED: ConstrainedDecoder,
    GENERATIVE_SPECULATIVE: SpeculativeDecoder,
    f"{GENERATIVE_CONSTRAINED}+spans": lambda gm: ConstrainedDecoder(gm, spans=True),
    f"{GENERATIVE_SPECULATIVE}+spans": lambda gm: SpeculativeDecoder(gm, spans=True)}


def get_decoder(name: str, gm: GenerativeModel) -> _Decoder:
    """The decoder called `name` over `gm`: one of `names.GENERATIVE_BACKENDS`, or the constrained or speculative
    one with "+spans" (trigger and argument texts restricted to runs of the instruction's words).

    Examples
    --------
    >>> decoder = get_decoder("generative-speculative", load_generative("data/models/generative"))  # doctest: +SKIP
    >>> [(a.role, a.span.text) for a in decoder("take the cup").parse.tasks[0].arguments]          # doctest: +SKIP
    [('Theme', 'cup'), ('Goal', 'cup')]
    """
    if name not in DECODERS:
        raise ValueError(f"unknown generative decoder {name!r}; known: {', '.join(DECODERS)}")
    return DECODERS[name](gm)
