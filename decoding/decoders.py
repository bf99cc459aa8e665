"""Decoders turn an encoded instruction into task frames, one model decision at a time.

`greedy` takes the model's best choice at every decision, restricted only to what can be read back as a parse
(pointers to words of the instruction, a span's end not before its start): the reference. `constrained` also
keeps to the output grammar of `decoding.grammar`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from .backend_names import CONSTRAINED, DEFAULT_BACKEND, GREEDY, HYBRID, HYBRID_MARGIN, SPECULATIVE
from .errors import DecodingError
from .grammar import Grammar
from .lockstep import Batch, Step, Walk
from .model import Encoded, Extractor

__all__ = ["Decoder", "Decoded", "DecodedTask", "DecodedArgument", "Constraints", "GreedyDecoder", "decision_key",
           "GrammarConstraints", "ConstrainedDecoder", "get_backend", "BACKENDS", "DEFAULT_BACKEND"]


@dataclass
class DecodedArgument:
    role: int
    start: int
    end: int
    cls: int
    attributes: list[tuple[int, int, int]] = field(default_factory=list)  # (attribute id, start, end)


@dataclass
class DecodedTask:
    type: int
    start: int
    end: int
    arguments: list[DecodedArgument] = field(default_factory=list)


@dataclass
class Decoded:
    """The decisions taken for one instruction and how many decoder calls they cost."""

    tasks: list[DecodedTask]
    calls: int = 0
    # the raw probabilities of the tasks and of each task's arguments (`decoding.confidence.raw_scores`) when the
    # decoder already computed them (a speculative pass over exactly these decisions); None: not known
    raw: tuple[list[float], list[list[float]]] | None = None


def decision_key(tasks: list[DecodedTask]) -> tuple:
    """The scored decisions of decoded tasks as a hashable value (attribute marks, which follow from them, left out):
    equal keys, equal outputs for n-best deduplication and for reusing a pass's scores."""
    return tuple((t.type, t.start, t.end, tuple((a.role, a.start, a.end, a.cls) for a in t.arguments)) for t in tasks)


def repeats(task: DecodedTask, earlier: Sequence[DecodedTask]) -> bool:
    """Whether `task` repeats one of `earlier` word for word: the same type, trigger, and roles and spans."""
    spans = lambda t: (t.type, t.start, t.end, tuple((a.role, a.start, a.end) for a in t.arguments))
    return any(spans(task) == spans(t) for t in earlier)


class Decoder(ABC):
    """Turns encoded instructions into decoded tasks; several at once in lockstep (`decoding.lockstep`)."""

    name: str = ""
    drafts: bool = False  # whether it uses `Encoded.hint`, a cheap parser's output, as a first draft

    def decode(self, model: Extractor, enc: Encoded) -> Decoded:
        """Decode `enc` with `model` (in eval mode, under `torch.inference_mode`)."""
        return self.decode_many(model, [enc])[0]

    def decode_many(self, model: Extractor, encoded: Sequence[Encoded]) -> list[Decoded]:
        """Decode several instructions together: each output is `decode`'s, the model's heads run once per round
        for all of them."""
        return self.decode_batch(Batch(model, encoded))

    def decode_batch(self, batch: Batch) -> list[Decoded]:
        """`decode_many` on instructions already padded into a batch."""
        return batch.run([self.steps(batch, i) for i in range(len(batch.encoded))])

    @abstractmethod
    def steps(self, batch: Batch, i: int) -> Walk:
        """The decoding of instruction `i` of `batch`, as requests to the model (`decoding.lockstep`); returns
        its `Decoded`."""

    @abstractmethod
    def stepwise(self) -> GreedyDecoder:
        """The step-by-step decoder whose output this one gives (itself, or the one a speculative decoder
        verifies against): n-best decoding branches off its walk."""


class Constraints:
    """Which choices a decision may take; the base allows anything readable as a parse.

    `None` means every choice of the head; a list means those model label ids (or word indices) only.
    The decoder reports each choice back so that stateful constraints can follow the output.
    """

    def __init__(self, n_words: int):
        self.n = n_words

    def types(self) -> list[int] | None:
        return None

    def starts(self, role: int | None) -> list[int] | None:
        return None

    def ends(self, role: int | None, start: int) -> list[int] | None:
        return list(range(start, self.n))  # a span cannot end before it starts

    def roles(self) -> list[int] | None:
        return None

    def classes(self) -> list[int] | None:
        return None

    def took(self, kind: str, value: int) -> None:
        """`kind` is one of type, start, end, role, class."""


class GreedyDecoder(Decoder):
    """One model call per decision, the best-scoring choice every time."""

    name = GREEDY

    def stepwise(self) -> GreedyDecoder:
        return self

    def constraints(self, model: Extractor, enc: Encoded) -> Constraints:
        return Constraints(enc.n)

    def steps(self, batch: Batch, i: int) -> Walk:
        walk = self.walk(batch.model, batch.encoded[i])
        return (yield from self.resume_steps(walk, batch.start_state(i), []))

    def walk(self, model: Extractor, enc: Encoded, trace: list | None = None) -> _Walk:
        """A decoding of `enc` under this decoder's constraints, for `resume` (a speculative decoder checks its
        draft with the walk's constraints and tells it the choices it already knows); `trace` collects every
        decision."""
        return _Walk(model, enc, self.constraints(model, enc), trace)

    def resume(self, walk: _Walk, h: torch.Tensor, done: list[DecodedTask]) -> Decoded:
        """`resume_steps` run on its own (a batch of one)."""
        return Batch(walk.model, [walk.enc]).run([self.resume_steps(walk, h, done)])[0]

    def resume_steps(self, walk: _Walk, h: torch.Tensor, done: list[DecodedTask], g: torch.Tensor | None = None
                     ) -> Walk:
        """Decode the tasks after `done` from the outer state `h` that follows them; with an inner state `g`,
        first the rest of the arguments of `done[-1]`. `walk.rules` must stand after `done`'s decisions."""
        model, enc = walk.model, walk.enc
        if g is not None:
            yield from walk.arguments(g, done[-1])
        out = list(done)
        anchor = out[-1].start if out else 0
        # words inside the triggers decoded so far
        used = torch.tensor([any(t.start <= i <= t.end for t in out) for i in range(enc.n)], dtype=torch.bool)
        for _ in range(model.config.max_tasks - len(out)):
            task_type = yield from walk.choose("type", Step("type", (h,)), walk.rules.types())
            if task_type == model.stop_id:
                break
            start = yield from walk.choose("start", Step("t_start", (h, task_type, anchor, used)),
                                           walk.rules.starts(None))
            end = yield from walk.choose("end", Step("t_end", (h, task_type, start)), walk.rules.ends(None, start))
            task = DecodedTask(task_type, start, end)
            g = yield Step("inner_init", (h, task_type, start, end))
            yield from walk.arguments(g, task)
            out.append(task)
            h = yield Step("outer", (h, task_type, start, end))
            anchor = start
            used = used | model.covered(torch.tensor(start), torch.tensor(end), enc.n)
        if walk.known:
            raise DecodingError(f"{len(walk.known)} known decisions left after decoding: they were not a decoding")
        return Decoded(out, walk.calls)


class _Walk:
    """One decoding of one instruction: the model, its constraints and the decoder calls spent."""

    def __init__(self, model: Extractor, enc: Encoded, rules: Constraints, trace: list | None = None):
        self.model, self.enc, self.rules, self.calls = model, enc, rules, 0
        self.known: list[int] = []  # decisions known to be the model's, next one last
        # with a list: every decision taken, as (kind, choice, allowed choices, the model's scores or None when
        # the choice was known or forced), for n-best decoding (`decoding.nbest`)
        self.trace = trace

    def know(self, choices: Sequence[int]) -> None:
        """The next decisions are `choices`, already known to be this decoder's own (verified by a speculative
        pass): take them without model calls."""
        self.known = list(reversed(choices))

    def choose(self, kind: str, request: Step, allowed: list[int] | None) -> Walk:
        """The best allowed choice; a forced or already known choice costs no model call (no `request`)."""
        values = None
        if self.known:
            choice = self.known.pop()
        elif allowed is not None and len(allowed) == 1:
            choice = allowed[0]
        else:
            values = yield request
            self.calls += 1
            if allowed is not None:
                if not allowed:
                    raise DecodingError(f"no valid {kind} left: the output grammar is contradictory")
                row = values.tolist()  # reading a few floats from a list is cheaper than indexing a tensor
                choice = max(allowed, key=row.__getitem__)  # the first best, as argmax
            else:
                choice = int(values.argmax())
        if self.trace is not None:
            self.trace.append((kind, choice, allowed, values))
        self.rules.took(kind, choice)
        return choice

    def arguments(self, g, task: DecodedTask) -> Walk:
        """Decode the arguments of `task` after those it has, from the inner state `g` that follows them."""
        m, rules = self.model, self.rules
        for _ in range(m.config.max_arguments - len(task.arguments)):
            role = yield from self.choose("role", Step("role", (g,)), rules.roles())
            if role == m.end_id:
                return
            start = yield from self.choose("start", Step("a_start", (g, role, task.start)), rules.starts(role))
            end = yield from self.choose("end", Step("a_end", (g, role, start)), rules.ends(role, start))
            cls = yield from self.choose("class", Step("class", (g, role, start, end)), rules.classes())
            marks = yield Step("marks", (g, start, end))
            task.arguments.append(DecodedArgument(role, start, end, cls, marks))
            g = yield Step("inner", (g, role, start, end, cls))
        rules.took("role", m.end_id)  # the argument bound ends the task as END would


class GrammarConstraints(Constraints):
    """The choices an output grammar allows, plus its instruction-dependent rules (see `decoding.grammar`)."""

    # The only roles a gold tagE parse puts on words of its own task's trigger ("Dim the lights": Operational_state
    # 'Dim'; "veer right": Manner 'right'). Another role there ("go to the kitchen": Source 'go') is not an
    # argument, unless the task type requires it: moved off the trigger, it would land on whatever word is left
    # ("please stop": Device 'please'), so the model's choice stands.
    ON_TRIGGER = frozenset({"Manner", "Operational_state"})

    # Words an argument's span cannot start on: a possessive's "'s" belongs to its owner ("Priya 's mug", not "'s
    # mug"); nor end on: a title before a name ("Mr Okafor", not "Mr").
    CLITICS, TITLES = frozenset({"'s", "’s"}), frozenset({"mr", "mrs", "ms", "miss", "dr", "mr.", "mrs.", "ms.", "dr.",
                                                         "prof", "prof."})

    def __init__(self, grammar: Grammar, model: Extractor, n_words: int, tokens: Sequence[str] = ()):
        super().__init__(n_words)
        self.g, self.space, self.model = grammar, grammar.space, model
        self.state = grammar.start
        self.spec = grammar.spec
        low = [t.lower() for t in tokens]
        self.words = list(range(n_words))
        # an argument's: a copula's "'s" is a trigger ("where's my phone")
        self.unstarted = {i for i, w in enumerate(low) if w in self.CLITICS}
        self.unended = {i for i in range(len(low) - 1) if low[i] in self.TITLES and tokens[i + 1][:1].isupper()}
        self._new_task()

    def _new_task(self) -> None:
        self.task_type: str | None = None
        self.used: dict[int, set[tuple[int, int]]] = {}   # role -> spans it already has in this task
        self.roles_used: list[int] = []
        self.role: int | None = None
        self.start: int | None = None
        self.trigger: tuple[int, int] | None = None

    def save(self) -> tuple:
        """Where the constraints stand, for `restore` (a speculative decoder steps back over a missed draft)."""
        return (self.state, self.task_type, {r: set(s) for r, s in self.used.items()}, list(self.roles_used),
                self.role, self.start, self.trigger)

    def restore(self, saved: tuple) -> None:
        self.state, self.task_type, used, roles_used, self.role, self.start, self.trigger = saved
        self.used, self.roles_used = {r: set(s) for r, s in used.items()}, list(roles_used)

    def types(self) -> list[int]:
        out = list(self.g.allowed_range(self.state, self.space.type0, len(self.space.task_types)))
        return out + [self.model.stop_id] if self.space.STOP in self.g.allowed(self.state) else out

    # An argument's span may hold another argument's or lie inside it, or be the same span under another role
    # ("kitchen" as Goal and Area), but a role does not come twice over overlapping words ("on", then "on the" as
    # Operational_state) and spans do not cross: no gold tagE parse has either. Nor does an optional role outside
    # `ON_TRIGGER` take a word of the trigger.
    def starts(self, role: int | None) -> list[int]:
        free = self._free(role)
        if self._restricted(role):
            a, b = self.trigger
            free = [s for s in free if not a <= s <= b] or free  # (`roles` offers no role with nothing left)
        if role is not None and self.unstarted:
            free = [s for s in free if s not in self.unstarted] or free
        return free

    def ends(self, role: int | None, start: int) -> list[int]:
        if role is None:
            return list(range(start, self.n))
        last = self.trigger[0] if self._restricted(role) and start < self.trigger[0] else self.n
        ends = [e for e in range(start, last) if self._fits(role, start, e)]
        return [e for e in ends if e not in self.unended] or ends

    def _free(self, role: int | None) -> list[int]:
        spans = self.used.get(role)
        if not spans:
            return self.words
        return [s for s in self.words if not any(a <= s <= b for a, b in spans)]  # then (s, s) itself fits

    def _restricted(self, role: int | None) -> bool:
        """Whether `role`'s span must keep off the words of its task's trigger."""
        if role is None or self.trigger is None or self.space.roles[role] in self.ON_TRIGGER:
            return False
        return not any(self.space.roles[role] in g for g in self.spec.required.get(self.task_type, ()))

    def _placeable(self, role: int) -> bool:
        """Whether `role` has a word to start on (off the trigger, where it must keep off it)."""
        if not self._restricted(role):
            return True
        a, b = self.trigger
        if role not in self.used:
            return self.n > b - a + 1
        return any(not a <= s <= b for s in self._free(role))

    def _uncovered(self, role: int) -> bool:
        """Whether a word is left that `role`'s spans do not cover: a role covering every word cannot come again."""
        return len({w for a, b in self.used[role] for w in range(a, b + 1)}) < self.n

    def _fits(self, role: int, s: int, e: int) -> bool:
        for other, spans in self.used.items():
            for a, b in spans:
                if s <= b and a <= e and (other == role or not (s <= a <= b <= e or a <= s <= e <= b)):
                    return False
        return True

    def roles(self) -> list[int]:
        allowed = [r for r in self.g.allowed_range(self.state, self.space.role0, len(self.space.roles))
                   if (r not in self.used or self._uncovered(r)) and self._placeable(r)]
        used = {self.space.roles[r] for r in self.roles_used}
        missing = [g for g in self.spec.required.get(self.task_type, ()) if not used & set(g)]
        if missing and len(missing) >= self.spec.max_arguments - len(self.roles_used):
            # the remaining slots are needed for the required roles
            return [r for r in allowed if any(self.space.roles[r] in g for g in missing)]
        can_end = self.space.END in self.g.allowed(self.state) and not missing
        return allowed + [self.model.end_id] if can_end else allowed

    def took(self, kind: str, value: int) -> None:
        if kind == "type" and value == self.model.stop_id:
            return  # the end of the output: the index accepts here, there is no state after it
        self.state = self.g.advance(self.state, self._action(kind, value))
        if kind == "type":
            self._new_task()
            self.task_type = self.space.task_types[value]
        elif kind == "role":
            self.role = None if value == self.model.end_id else value
        elif kind == "start":
            self.start = value
        elif kind == "end" and self.role is not None:
            self.used.setdefault(self.role, set()).add((self.start, value))
            self.roles_used.append(self.role)
        elif kind == "end" and self.trigger is None:
            self.trigger = (self.start, value)

    def _action(self, kind: str, value: int) -> int:
        sp, m = self.space, self.model
        if kind == "type":
            return sp.STOP if value == m.stop_id else sp.type0 + value
        if kind == "role":
            return sp.END if value == m.end_id else sp.role0 + value
        if kind == "class":
            return sp.class0 + value
        return sp.word


class ConstrainedDecoder(GreedyDecoder):
    """Greedy decoding restricted to the output grammar; a step with a single valid choice costs no call."""

    name = CONSTRAINED

    def __init__(self, grammar: Grammar):
        self.grammar = grammar

    def constraints(self, model: Extractor, enc: Encoded) -> Constraints:
        return GrammarConstraints(self.grammar, model, enc.n, enc.tokens)


def _speculative(grammar: Grammar) -> Decoder:
    from .speculative import SpeculativeDecoder  # it imports this module

    return SpeculativeDecoder(grammar)


def _hybrid(grammar: Grammar) -> Decoder:
    from .speculative import SpeculativeDecoder

    return SpeculativeDecoder(grammar, HYBRID_MARGIN)


BACKENDS = {GREEDY: GreedyDecoder, CONSTRAINED: ConstrainedDecoder, SPECULATIVE: _speculative, HYBRID: _hybrid}


def get_backend(name: str, grammar: Grammar | None = None) -> Decoder:
    """The decoder registered under `name`; `DecodingError` names the known ones otherwise.

    Backends other than `greedy` need the output `grammar` they constrain to.
    """
    if name not in BACKENDS:
        raise DecodingError(f"unknown backend {name!r}; known: {', '.join(sorted(BACKENDS))}")
    if name == GREEDY:
        return GreedyDecoder()
    if grammar is None:
        raise ValueError(f"backend {name!r} needs an output grammar")
    return BACKENDS[name](grammar)
