"""`JsonIndex`: the output format compiled by outlines-core over the decoder's vocabulary, with allowed-token masks."""

from __future__ import annotations

import time
from collections.abc import Sequence

import torch

from .format import JSON_CHARS, STRUCTURE, Bounds, Labels, output_regex
from .tokenizer import EOS, SPECIALS

__all__ = ["decoder_vocabulary", "JsonIndex"]


def decoder_vocabulary(tokenizer) -> dict[str, list[int]]:
    """Token text -> ids for the constrained decoders: what each token decodes to (not its `Ġ` spelling), special
    tokens left out, and JSON punctuation only through the structural tokens."""
    structure = set(STRUCTURE)
    out: dict[str, list[int]] = {}
    for token, i in tokenizer.get_vocab().items():
        if i < len(SPECIALS):
            continue
        text = tokenizer.convert_tokens_to_string([token])
        if not text or "\ufffd" in text or (text not in structure and JSON_CHARS & set(text)):
            continue
        out.setdefault(text, []).append(i)
    return out


class JsonIndex:
    """The compiled `output_regex` over the decoder vocabulary, with per-state allowed-token tensors (cached).

    `allowed(state, left)` also leaves out tokens after which the output could not be completed in the `left`
    tokens that remain (the shortest completion of every state is known), so the output is complete and valid even
    when a weak model would run to the length limit.
    """

    def __init__(self, tokenizer, labels: Labels, bounds: Bounds):
        from outlines_core import Index, Vocabulary

        self.regex = output_regex(labels, bounds)
        t0 = time.perf_counter()
        self.index = Index(self.regex, Vocabulary(EOS, decoder_vocabulary(tokenizer)))
        self.compile_ms = (time.perf_counter() - t0) * 1000
        self.start = self.index.get_initial_state()
        self._moves = {s: {t: n for t, n in moves.items() if t != EOS}
                       for s, moves in self.index.get_transitions().items()}
        self.distance = self._distances()
        self._allowed: dict[tuple[int, int], torch.Tensor] = {}
        self._worst: dict[int, int] = {}

    def _distances(self) -> dict[int, int]:
        """Fewest tokens from each state to a final state (breadth-first over the reversed transitions)."""
        back: dict[int, set[int]] = {}
        for s, moves in self._moves.items():
            for n in moves.values():
                back.setdefault(n, set()).add(s)
        dist = {s: 0 for s in self.index.get_final_states()}
        frontier = list(dist)
        while frontier:
            nxt = []
            for n in frontier:
                for s in back.get(n, ()):
                    if s not in dist:
                        dist[s] = dist[n] + 1
                        nxt.append(s)
            frontier = nxt
        return dist

    def allowed(self, state: int, left: int = 1 << 30) -> torch.Tensor:
        """The sorted token ids allowed in `state` with `left` tokens of budget (EOS only in final states)."""
        moves = self._moves.get(state, {})
        if state not in self._worst:
            self._worst[state] = max((self.distance.get(n, 1 << 30) for n in moves.values()), default=0)
        worst = self._worst[state]
        key = (state, -1 if worst < left else left)
        if key not in self._allowed:
            ids = [t for t, n in moves.items() if key[1] < 0 or self.distance.get(n, 1 << 30) < left]
            ids += [EOS] if self.index.is_final_state(state) else []
            self._allowed[key] = torch.tensor(sorted(ids), dtype=torch.long)
        return self._allowed[key]

    def advance(self, state: int, token: int) -> int | None:
        return self.index.get_next_state(state, token)

    def accepts(self, tokens: Sequence[int]) -> bool:
        """Whether `tokens` (without EOS) is a complete output of the format."""
        state = self.start
        for t in tokens:
            state = self.advance(state, t)
            if state is None:
                return False
        return self.index.is_final_state(state)
