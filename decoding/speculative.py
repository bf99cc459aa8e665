"""Speculative decoding: a drafted parse verified in one batched decoder pass, then greedy from the first miss.

A draft is a complete decision sequence. One pass of the decoder (`Extractor.teacher_forced`, the computation
training uses) scores every decision of the draft after the draft's own earlier decisions. Walking the draft in
order under the output grammar, a decision is accepted while it equals the grammar-masked best choice. At the
first difference the model's own choice is known too (it was computed in the same pass); decoding then goes on
one decision at a time (`ConstrainedDecoder.resume`) from the states the pass computed for the accepted prefix.
The output is exactly `ConstrainedDecoder`'s.

Why one pass and not several: on this decoder a pass costs about half a whole greedy decoding (its cost is the
fixed cost of some 100 small tensor operations, nearly independent of the draft's length), and once a draft
has missed, the rest of it is usually wrong too; decoding the rest step by step is cheaper than re-verifying.

Drafts copy the source sentence: the rule extractor's parse (`Encoded.hint`, set by `TaskParser` from its
drafter) gives triggers and argument spans as words of the instruction, with labels; a table of the model's own
recent decisions, keyed by the words they were taken on and updated as it decodes (Token-Recycling-style,
bounded), then relabels the drafted arguments with the class the model gave the same words before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .backend_names import SPECULATIVE
from .decoders import ConstrainedDecoder, Decoded, DecodedArgument, DecodedTask, Decoder, runs_of
from .grammar import Grammar
from .model import Encoded, Extractor

__all__ = ["SpeculativeDecoder", "DraftTable"]


@dataclass
class DraftTable:
    """The classes the model gave argument spans lately, keyed by the span's words; bounded.

    Only classes: relabelling drafted task types or roles from the same kind of table made fewer drafts pass
    on the test split (the model's roles depend on the whole sentence, a span's class mostly on its words).
    """

    class_of_span: dict[str, int] = field(default_factory=dict)
    limit: int = 4096  # a long-running robot keeps a bounded table

    def learn(self, tasks: list[DecodedTask], tokens: tuple[str, ...]) -> None:
        for a in (a for task in tasks for a in task.arguments):
            text = _text(tokens, a.start, a.end)
            if text in self.class_of_span or len(self.class_of_span) < self.limit:
                self.class_of_span[text] = a.cls

    def relabel(self, tasks: list[DecodedTask], tokens: tuple[str, ...]) -> None:
        """Give drafted arguments the classes the model gave the same words before."""
        for a in (a for task in tasks for a in task.arguments):
            a.cls = self.class_of_span.get(_text(tokens, a.start, a.end), a.cls)


def _text(tokens, start: int, end: int) -> str:
    return " ".join(tokens[start : end + 1]).lower()


@dataclass
class _Slot:
    """Where a decision sits in the draft: its kind, task index and argument index."""

    kind: str
    task: int
    arg: int = -1


def _flatten(draft: list[DecodedTask], model: Extractor) -> list[tuple[_Slot, int]]:
    """The draft's decisions in decoding order, each with its slot: the decisions `GreedyDecoder` takes (no END
    after the last argument a task may have, no STOP after the last task)."""
    c, out = model.config, []
    for k, t in enumerate(draft):
        out += [(_Slot("type", k), t.type), (_Slot("t_start", k), t.start), (_Slot("t_end", k), t.end)]
        for j, a in enumerate(t.arguments):
            out += [(_Slot("role", k, j), a.role), (_Slot("a_start", k, j), a.start),
                    (_Slot("a_end", k, j), a.end), (_Slot("class", k, j), a.cls)]
        if len(t.arguments) < c.max_arguments:
            out.append((_Slot("role", k, len(t.arguments)), model.end_id))
    if len(draft) < c.max_tasks:
        out.append((_Slot("type", len(draft)), model.stop_id))
    return out


def _batch(draft: list[DecodedTask], stop: int, end: int) -> dict:
    """The draft as a one-sentence batch of `decoding.batching` form."""
    long = lambda rows: torch.tensor(rows, dtype=torch.long)
    out = {"types": long([[t.type for t in draft] + [stop]]),
           "t_start": long([[t.start for t in draft] + [0]]), "t_end": long([[t.end for t in draft] + [0]])}
    out["t_valid"] = torch.ones_like(out["types"], dtype=torch.bool)
    args = [t.arguments for t in draft] or [[]]
    J = max(len(a) for a in args) + 1
    pad = lambda rows, fill: long([r + [fill] * (J - len(r)) for r in rows])
    out["roles"] = pad([[a.role for a in aa] + [end] for aa in args], end)
    out["a_start"] = pad([[a.start for a in aa] for aa in args], 0)
    out["a_end"] = pad([[a.end for a in aa] for aa in args], 0)
    out["classes"] = pad([[a.cls for a in aa] for aa in args], 0)
    out["task_sentence"] = torch.zeros(len(args), dtype=torch.long)
    out["task_index"] = torch.arange(len(args))
    return out


_SCORED = ("type", "t_start", "t_end", "role", "a_start", "a_end", "class")
_KIND = {"type": "type", "t_start": "start", "t_end": "end", "role": "role", "a_start": "start",
         "a_end": "end", "class": "class"}


class SpeculativeDecoder(Decoder):
    """Constrained decoding with a drafted parse verified in one batched pass; output identical to `constrained`."""

    name = SPECULATIVE
    drafts = True

    def __init__(self, grammar: Grammar):
        self.grammar = grammar
        self.stepper = ConstrainedDecoder(grammar)
        self.table = DraftTable()

    def decode(self, model: Extractor, enc: Encoded) -> Decoded:
        draft = self._draft(model, enc)
        scores = model.teacher_forced(enc.words[None], enc.keys[None], enc.raw[None], None, torch.tensor([enc.n]),
                                      _batch(draft, model.stop_id, model.end_id), attributes=False)
        slots = _flatten(draft, model)
        taken = self._verify(model, enc, draft, slots, scores)
        if taken == [drafted for _, drafted in slots]:
            self._mark_attributes(model, draft, draft, scores)
            out = Decoded(draft, 1)
        else:
            out = self._resume(model, enc, draft, slots, taken, scores)
            out.calls += 1
        self.table.learn(out.tasks, enc.tokens)
        return out

    # ---- verification ------------------------------------------------------------------------------------------
    def _verify(self, model, enc, draft, slots, scores) -> list[int]:
        """The model's choices along the draft under the grammar, up to the first that differs from the draft."""
        rules = self.stepper.constraints(model, enc)
        # plain lists: the walk reads a few scores per decision, and a tensor index costs more than the read
        rows = {key: scores[key].tolist() for key in _SCORED}
        taken = []
        for slot, drafted in slots:
            allowed, values = _options(rules, slot, draft, rows)
            choice = allowed[0] if len(allowed) == 1 else max(allowed, key=values.__getitem__)
            rules.took(_KIND[slot.kind], choice)
            taken.append(choice)
            if choice != drafted:
                break
        return taken

    def _resume(self, model, enc, draft, slots, taken, scores) -> Decoded:
        """Decode on from the first miss: the accepted tasks and arguments are kept with the states the pass
        computed after them, and the decisions from the missed task's or argument's first one are known."""
        miss = slots[len(taken) - 1][0]
        k = miss.task
        in_task = miss.kind not in ("type", "t_start", "t_end")
        j = miss.arg if in_task else 0
        first = next(i for i, (s, _) in enumerate(slots) if s.task == k and (s.arg == j if in_task else True))
        walk = self.stepper.walk(model, enc, taken[first:])
        for (slot, _), choice in zip(slots[:first], taken[:first], strict=True):
            walk.rules.took(_KIND[slot.kind], choice)
        done = draft[:k]
        if in_task:
            task = draft[k]
            done.append(DecodedTask(task.type, task.start, task.end, task.arguments[:j]))
        self._mark_attributes(model, draft, done, scores)
        if not in_task:
            return self.stepper.resume(walk, scores["outer_states"][0, k], done)
        inner = scores["attribute_inputs"][0]
        return self.stepper.resume(walk, scores["outer_states"][0, k + 1], done, g=inner[k, j])

    @staticmethod
    def _mark_attributes(model: Extractor, draft: list[DecodedTask], accepted: list[DecodedTask], scores: dict
                         ) -> None:
        """Attribute marks of the accepted arguments (the first tasks of the draft, the last one possibly cut
        short): one head on the inputs the pass computed, not another pass."""
        slots = [(k, j) for k, task in enumerate(accepted) for j in range(len(task.arguments))]
        if not slots:
            return
        ks, js = torch.tensor(slots).T
        states, words, spans = scores["attribute_inputs"]
        tags = model.attribute_scores(states[ks, js], words[ks, js], spans[ks, js]).argmax(-1).tolist()
        for (k, j), row in zip(slots, tags, strict=True):
            draft[k].arguments[j].attributes = runs_of(row, model.no_attr)

    # ---- drafting ------------------------------------------------------------------------------------------------
    def _draft(self, model: Extractor, enc: Encoded) -> list[DecodedTask]:
        """The drafter's parse of the words (the rule extractor's, copying spans from the sentence) as decisions,
        relabelled by the table."""
        if enc.hint is None:
            return []
        c = model.config
        ids = lambda labels: {label: i for i, label in enumerate(labels)}
        types, roles, classes = ids(c.task_types), ids(c.roles), ids(c.classes)
        draft = [DecodedTask(types[t.type], t.trigger.start, t.trigger.end,
                             [DecodedArgument(roles[a.role], a.span.start, a.span.end, classes[a.grounding])
                              for a in t.arguments if a.role in roles and a.grounding in classes][: c.max_arguments])
                 for t in enc.hint.tasks if t.type in types][: c.max_tasks]
        self.table.relabel(draft, enc.tokens)
        return draft


def _options(rules, slot: _Slot, draft: list[DecodedTask], rows: dict):
    """The choices the grammar allows at `slot` and the model's scores of every choice there."""
    k, j = slot.task, slot.arg
    if slot.kind == "type":
        return rules.types(), rows["type"][0][k]
    if slot.kind == "t_start":
        return rules.starts(None), rows["t_start"][0][k]
    if slot.kind == "t_end":
        return rules.ends(None, draft[k].start), rows["t_end"][0][k]
    if slot.kind == "role":
        return rules.roles(), rows["role"][k][j]
    arg = draft[k].arguments[j]
    if slot.kind == "a_start":
        return rules.starts(arg.role), rows["a_start"][k][j]
    if slot.kind == "a_end":
        return rules.ends(arg.role, arg.start), rows["a_end"][k][j]
    values = rows["class"][k][j]
    return rules.classes() or list(range(len(values))), values
