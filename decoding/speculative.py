"""Speculative decoding: whole drafted parses verified in one batched decoder pass, lossless.

A draft is a complete decision sequence. One pass of the decoder (`Extractor.teacher_forced`, the computation
training uses) scores every decision of the draft after the draft's own earlier decisions. Walking the draft in
order under the output grammar, a decision is accepted while it equals the grammar-masked best choice; at the
first difference the model's own choice is taken (it was computed in the same pass), and the rest of the draft
is repaired and verified again. The result is exactly what `ConstrainedDecoder` produces, in as many decoder
calls as passes.

Drafts come from (1) copying the source sentence: the rule extractor's spans and labels (`Encoded.hint`, set
by `TaskParser` from its drafter) for a new instruction;
(2) the model's own choices at later positions of the last pass (lookahead: most stay right after an earlier
correction); (3) a table of what recent outputs did (the role sequence a task type had, the class a span text
had), updated as it decodes, for tasks and arguments a correction adds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .backend_names import SPECULATIVE
from .decoders import Decoded, DecodedArgument, DecodedTask, Decoder, GrammarConstraints, runs_of
from .grammar import Grammar
from .model import Encoded, Extractor

__all__ = ["SpeculativeDecoder", "DraftTable"]

_FUNCTION_WORDS = frozenset("the a an to of in on at from into onto and then it me you your my this that".split())


@dataclass
class DraftTable:
    """What recent outputs did, for drafting what a correction adds (Token-Recycling-style, bounded)."""

    roles_of_type: dict[int, list[int]] = field(default_factory=dict)   # task type -> last role sequence
    class_of_text: dict[str, int] = field(default_factory=dict)         # span text -> last class
    limit: int = 4096

    def learn(self, tasks: list[DecodedTask], tokens: tuple[str, ...]) -> None:
        for task in tasks:
            self.roles_of_type[task.type] = [a.role for a in task.arguments]
            for a in task.arguments:
                if len(self.class_of_text) < self.limit:
                    self.class_of_text[_text(tokens, a.start, a.end)] = a.cls


def _text(tokens, start: int, end: int) -> str:
    return " ".join(tokens[start : end + 1]).lower()


@dataclass
class _Slot:
    """Where a decision sits in the draft: its kind, task index and argument index."""

    kind: str
    task: int
    arg: int = -1


def _flatten(draft: list[DecodedTask], stop: int, end: int) -> list[tuple[_Slot, int]]:
    """The draft's decisions in decoding order, each with its slot."""
    out = []
    for k, t in enumerate(draft):
        out += [(_Slot("type", k), t.type), (_Slot("t_start", k), t.start), (_Slot("t_end", k), t.end)]
        for j, a in enumerate(t.arguments):
            out += [(_Slot("role", k, j), a.role), (_Slot("a_start", k, j), a.start),
                    (_Slot("a_end", k, j), a.end), (_Slot("class", k, j), a.cls)]
        out.append((_Slot("role", k, len(t.arguments)), end))
    out.append((_Slot("type", len(draft)), stop))
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


class SpeculativeDecoder(Decoder):
    """Constrained decoding with drafted parses verified in batched passes; output identical to `constrained`."""

    name = SPECULATIVE
    drafts = True

    def __init__(self, grammar: Grammar):
        self.grammar = grammar
        self.table = DraftTable()

    def decode(self, model: Extractor, enc: Encoded) -> Decoded:
        draft = self._first_draft(model, enc)
        words, keys, raw = enc.words[None], enc.keys[None], enc.raw[None]
        mask = torch.ones(1, enc.n, dtype=torch.bool)
        c = model.config
        # every pass verifies at least one more decision, and an output has at most this many
        most = c.max_tasks * (4 + 4 * c.max_arguments) + 1
        for calls in range(1, most + 1):
            scores = model.teacher_forced(words, keys, raw, mask, torch.tensor([enc.n]),
                                          _batch(draft, model.stop_id, model.end_id), attributes=False)
            draft, done = self._verify(model, enc, draft, scores)
            if done:
                # attribute marks: one head on the inputs the pass already computed, not another pass
                states, words_, spans = scores["attribute_inputs"]
                for k, task in enumerate(draft):
                    for j, arg in enumerate(task.arguments):
                        tags = model.attribute_scores(states[k, j], words_[k, j], spans[k, j]).argmax(-1)
                        arg.attributes = runs_of(tags.tolist(), model.no_attr)
                self.table.learn(draft, enc.tokens)
                return Decoded(draft, calls)
        raise AssertionError("speculative decoding did not converge")  # each pass fixes at least one decision

    # ---- verification ------------------------------------------------------------------------------------------
    def _verify(self, model, enc, draft, scores) -> tuple[list[DecodedTask], bool]:
        """Walk the draft under the grammar: (the draft, True) if every decision is the model's choice, else
        (a repaired draft that keeps the verified prefix and the model's correction, False)."""
        rules = GrammarConstraints(self.grammar, model, enc.n)
        for slot, drafted in _flatten(draft, model.stop_id, model.end_id):
            allowed, values = self._options(rules, slot, draft, scores)
            choice = allowed[0] if len(allowed) == 1 else allowed[int(values[torch.tensor(allowed)].argmax())]
            rules.took(_KIND[slot.kind], choice)
            if choice != drafted:
                return self._repair(model, enc, draft, slot, choice, scores), False
            if slot.kind == "type" and choice == model.stop_id:
                return draft, True
        raise AssertionError("a flattened draft ends with STOP")

    @staticmethod
    def _options(rules: GrammarConstraints, slot: _Slot, draft, scores):
        k, j = slot.task, slot.arg
        if slot.kind == "type":
            return rules.types(), scores["type"][0, k]
        if slot.kind == "t_start":
            return rules.starts(None), scores["t_start"][0, k]
        if slot.kind == "t_end":
            return rules.ends(None, draft[k].start), scores["t_end"][0, k]
        if slot.kind == "role":
            return rules.roles(), scores["role"][k, j]
        arg = draft[k].arguments[j]
        if slot.kind == "a_start":
            return rules.starts(arg.role), scores["a_start"][k, j]
        if slot.kind == "a_end":
            return rules.ends(arg.role, arg.start), scores["a_end"][k, j]
        return rules.classes() or list(range(scores["class"].shape[-1])), scores["class"][k, j]

    # ---- drafting ------------------------------------------------------------------------------------------------
    def _first_draft(self, model: Extractor, enc: Encoded) -> list[DecodedTask]:
        """The drafter's parse of the words (the rule extractor's, copying spans from the sentence), as decisions."""
        if enc.hint is None:
            return []
        c = model.config
        ids = lambda labels: {label: i for i, label in enumerate(labels)}
        types, roles, classes = ids(c.task_types), ids(c.roles), ids(c.classes)
        return [DecodedTask(types[t.type], t.trigger.start, t.trigger.end,
                            [DecodedArgument(roles[a.role], a.span.start, a.span.end, classes[a.grounding])
                             for a in t.arguments])
                for t in enc.hint.tasks if t.type in types][: c.max_tasks]

    def _repair(self, model, enc, draft, slot: _Slot, choice: int, scores) -> list[DecodedTask]:
        """The draft with the model's `choice` at `slot`, later decisions re-drafted."""
        draft = [DecodedTask(t.type, t.start, t.end, [DecodedArgument(a.role, a.start, a.end, a.cls)
                                                      for a in t.arguments]) for t in draft]
        k, j = slot.task, slot.arg
        if slot.kind == "type":
            if choice == model.stop_id:
                return draft[:k]
            if k == len(draft):
                draft.append(self._new_task(enc, draft, choice))
            else:
                draft[k].type = choice
        elif slot.kind in ("t_start", "t_end"):
            _set_span(draft[k], slot.kind, choice)
        elif slot.kind == "role":
            args = draft[k].arguments
            if choice == model.end_id:
                del args[j:]
            elif j == len(args):
                args.append(self._new_argument(enc, draft[k], choice))
            else:
                args[j].role = choice
        elif slot.kind == "class":
            draft[k].arguments[j].cls = choice
        else:
            _set_span(draft[k].arguments[j], slot.kind[2:], choice)
        self._lookahead(model, enc, draft, slot, scores)
        return draft

    def _lookahead(self, model, enc, draft, slot: _Slot, scores) -> None:
        """Take the last pass's choices for the later slots of the draft (Jacobi-style lookahead)."""
        best = {key: v.argmax(-1) for key, v in scores.items() if key != "attribute_inputs"}
        K = best["type"].shape[1] - 1
        for k, task in enumerate(draft):
            if k < K and k > slot.task:
                t = int(best["type"][0, k])
                if t != model.stop_id:
                    task.type = t
                _set_span(task, "t_start", int(best["t_start"][0, k]))
                _set_span(task, "t_end", int(best["t_end"][0, k]))
            if k >= best["role"].shape[0]:
                continue
            for j, arg in enumerate(task.arguments):
                later = k > slot.task or (k == slot.task and j > slot.arg)
                if later and j < best["role"].shape[1] - 1:
                    r = int(best["role"][k, j])
                    if r != model.end_id:
                        arg.role = r
                    _set_span(arg, "start", int(best["a_start"][k, j]))
                    _set_span(arg, "end", int(best["a_end"][k, j]))
                    arg.cls = int(best["class"][k, j])

    def _new_task(self, enc: Encoded, draft: list[DecodedTask], task_type: int) -> DecodedTask:
        start = min(draft[-1].end + 1, enc.n - 1) if draft else 0
        task = DecodedTask(task_type, start, start)
        for role in self.table.roles_of_type.get(task_type, []):
            task.arguments.append(self._new_argument(enc, task, role))
        return task

    def _new_argument(self, enc: Encoded, task: DecodedTask, role: int) -> DecodedArgument:
        taken = {a.start for a in task.arguments}
        after = max([task.end] + [a.end for a in task.arguments]) + 1
        start = next((i for i in range(after, enc.n) if enc.tokens[i].lower() not in _FUNCTION_WORDS
                      and i not in taken), min(after, enc.n - 1))
        return DecodedArgument(role, start, start, self.table.class_of_text.get(_text(enc.tokens, start, start), 0))


_KIND = {"type": "type", "t_start": "start", "t_end": "end", "role": "role", "a_start": "start",
         "a_end": "end", "class": "class"}


def _set_span(item, which: str, value: int) -> None:
    """Set a span's start or end (`which` ends in 'start' or 'end'), keeping end >= start."""
    if which.endswith("start"):
        item.start = value
        item.end = max(item.end, value)
    else:
        item.end = max(value, item.start)
