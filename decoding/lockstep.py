"""Several decodings in lockstep: each walk asks for model scores, the batch answers all of them together.

A decoding is a generator (see `decoding.decoders`): it yields a request for the next thing it needs from the
model (the scores of one decision, a state after one step) and receives the answer. `Batch.run` drives the walks
of a batch of instructions together: at each round it groups the pending requests by kind and runs each kind's
head once on all of them, over the batch's padded word vectors. One instruction is a batch of one; its walk makes
exactly the requests it would make alone, and gets the same answers (up to float rounding of a batched matmul).

Requests (`Step`) and what they get back, for the instruction the walk decodes:
- `type` (h): the scores of the next task type or STOP; `role` (g): the next role or END;
- `t_start` (h, type, anchor, used), `t_end` (h, type, start): scores of each word as a trigger's first / last word;
- `a_start` (g, role, anchor), `a_end` (g, role, start): the same for an argument span;
- `class` (g, role, start, end): the scores of the span's grounding classes;
- `marks` (g, start, end): the attribute marks of an argument, as (attribute id, start, end) runs;
- `inner_init` (h, type, start, end), `outer` (h, type, start, end), `inner` (g, role, start, end, class): the
  decoder state that starts a task's arguments, follows a task, follows an argument;
- `verify` (tasks): a drafted decision sequence scored in one teacher-forced pass (`Batch.teacher_forced`).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any, NamedTuple

import torch

from .batching import pack
from .model import Encoded, Extractor

__all__ = ["Batch", "Step", "Walk", "runs_of"]


class Step(NamedTuple):
    """One request of a walk: its kind and arguments (see the module docstring)."""

    kind: str
    args: tuple


Walk = Generator[Step, Any, Any]  # yields requests, receives their answers, returns its result


def runs_of(tags: list[int], none: int) -> list[tuple[int, int, int]]:
    """Runs of words tagged with the same attribute, as (attribute id, start, end)."""
    marks, i = [], 0
    while i < len(tags):
        j = i
        while j + 1 < len(tags) and tags[j + 1] == tags[i]:
            j += 1
        if tags[i] != none:
            marks.append((tags[i], i, j))
        i = j + 1
    return marks


class Batch:
    """Encoded instructions padded to one length: the word vectors every decoder head of their walks runs on."""

    def __init__(self, model: Extractor, encoded: Sequence[Encoded]):
        self.model, self.encoded = model, list(encoded)
        self.lengths = [e.n for e in encoded]
        pad = lambda key: torch.nn.utils.rnn.pad_sequence([getattr(e, key) for e in encoded], batch_first=True)
        self.words, self.keys, self.raw = pad("words"), pad("keys"), pad("raw")
        self.positions = torch.arange(self.words.shape[1])
        self.mask = self.positions[None] < torch.tensor(self.lengths)[:, None]   # (B, L) real words
        self._h0: torch.Tensor | None = None

    def start_state(self, i: int) -> torch.Tensor:
        """The outer decoder's state before the first task of instruction `i`."""
        if self._h0 is None:
            self._h0 = self.model.outer_init(self.words, torch.tensor(self.lengths))
        return self._h0[i]

    def run(self, walks: Sequence[Walk]) -> list:
        """Drive `walks` (walk i decodes instruction i) to their ends; their results in order."""
        results: list = [None] * len(walks)
        pending: dict[int, tuple[Walk, Step]] = {}
        for i, walk in enumerate(walks):
            self._advance(i, walk, None, pending, results, first=True)
        while pending:
            groups: dict[str, list[tuple[int, tuple]]] = {}
            for i, (_, step) in pending.items():
                groups.setdefault(step.kind, []).append((i, step.args))
            answers = {}
            for kind, requests in groups.items():
                rows = [i for i, _ in requests]
                answers.update(zip(rows, _HEADS[kind](self, torch.tensor(rows), [a for _, a in requests]),
                                   strict=True))
            for i, answer in answers.items():
                self._advance(i, pending.pop(i)[0], answer, pending, results)
        return results

    @staticmethod
    def _advance(i: int, walk: Walk, answer, pending: dict, results: list, first: bool = False) -> None:
        try:
            pending[i] = (walk, next(walk) if first else walk.send(answer))
        except StopIteration as done:
            results[i] = done.value

    # ---- the heads, each on a group of requests: rows (n,) of the batch, the requests' arguments ------------------
    def _lengths(self, rows: torch.Tensor) -> list[int]:
        return [self.lengths[i] for i in rows.tolist()]

    def _per_word(self, scores: torch.Tensor, rows: torch.Tensor) -> list[torch.Tensor]:
        """(n, L) scores over the padded words -> each row over its own instruction's words."""
        return [s[:n] for s, n in zip(scores, self._lengths(rows), strict=True)]

    def _spans(self, rows: torch.Tensor, starts, ends) -> torch.Tensor:
        return self.model.span_vector(self.words[rows], torch.tensor(starts), torch.tensor(ends))

    def type_scores(self, rows, args) -> list[torch.Tensor]:
        h = torch.stack([a[0] for a in args])
        return list(self.model.type_scores(h, self.words[rows], self.mask[rows]))

    def role_scores(self, rows, args) -> list[torch.Tensor]:
        g = torch.stack([a[0] for a in args])
        return list(self.model.role_scores(g, self.words[rows], self.mask[rows]))

    def trigger_starts(self, rows, args) -> list[torch.Tensor]:
        h, types, anchors, used = zip(*args, strict=True)
        used = torch.nn.utils.rnn.pad_sequence(list(used), batch_first=True)
        used = torch.nn.functional.pad(used, (0, self.words.shape[1] - used.shape[1]))
        scores = self.model.start_scores(torch.stack(h), self.model.type_emb(torch.tensor(types)), self.keys[rows],
                                         self.positions, torch.tensor(anchors), used)
        return self._per_word(scores, rows)

    def argument_starts(self, rows, args) -> list[torch.Tensor]:
        g, roles, anchors = zip(*args, strict=True)
        scores = self.model.start_scores(torch.stack(g), self.model.role_emb(torch.tensor(roles)), self.keys[rows],
                                         self.positions, torch.tensor(anchors))
        return self._per_word(scores, rows)

    def _ends(self, rows, args, labels) -> list[torch.Tensor]:
        state, label, starts = zip(*args, strict=True)
        scores = self.model.end_scores(torch.stack(state), labels(torch.tensor(label)), self.words[rows],
                                       self.keys[rows], self.positions, torch.tensor(starts))
        return self._per_word(scores, rows)

    def trigger_ends(self, rows, args) -> list[torch.Tensor]:
        return self._ends(rows, args, self.model.type_emb)

    def argument_ends(self, rows, args) -> list[torch.Tensor]:
        return self._ends(rows, args, self.model.role_emb)

    def class_scores(self, rows, args) -> list[torch.Tensor]:
        g, roles, starts, ends = zip(*args, strict=True)
        m, s, e = self.model, torch.tensor(starts), torch.tensor(ends)
        inside = m.covered(s, e, self.words.shape[1])[:, None]                    # (n, 1, L)
        lexical = m.span_mean(self.raw[rows], inside)[:, 0]
        return list(m.class_scores(torch.stack(g), torch.tensor(roles), self._spans(rows, starts, ends), lexical))

    def marks(self, rows, args) -> list[list[tuple[int, int, int]]]:
        g, starts, ends = zip(*args, strict=True)
        m = self.model
        tags = m.attribute_scores(torch.stack(g), self.words[rows], self._spans(rows, starts, ends)).argmax(-1)
        return [runs_of(t[:n], m.no_attr) for t, n in zip(tags.tolist(), self._lengths(rows), strict=True)]

    def inner_init(self, rows, args) -> list[torch.Tensor]:
        h, types, starts, ends = zip(*args, strict=True)
        return list(self.model.inner_init(torch.stack(h), torch.tensor(types), self._spans(rows, starts, ends)))

    def outer_step(self, rows, args) -> list[torch.Tensor]:
        h, types, starts, ends = zip(*args, strict=True)
        m = self.model
        inputs = m.outer_input(torch.tensor(types), self._spans(rows, starts, ends))
        return list(m.advance(m.outer, torch.stack(h), inputs[:, None])[:, -1])

    def inner_step(self, rows, args) -> list[torch.Tensor]:
        g, roles, starts, ends, classes = zip(*args, strict=True)
        m = self.model
        inputs = m.inner_input(torch.tensor(roles), self._spans(rows, starts, ends), torch.tensor(classes))
        return list(m.advance(m.inner, torch.stack(g), inputs[:, None])[:, -1])

    def verify(self, rows, args) -> list[dict]:
        return self.teacher_forced(rows.tolist(), [a[0] for a in args], marks=True)

    def teacher_forced(self, rows: list[int], sequences: Sequence[Sequence], marks: bool = False) -> list[dict]:
        """Each decision sequence (tasks with `type`, `start`, `end` and `arguments` with `role`, `start`, `end`,
        `cls`; at least one task) of instruction `rows[k]` scored in one teacher-forced pass. Per sequence:
        `type`, `t_start`, `t_end`, `outer` (K+1, ...): each task then STOP; `role`, `a_start`, `a_end`, `class`,
        `inner`, `attributes` (tasks, J+1, ...): each argument then END (`inner`: the state before it;
        `attributes`, with `marks`: each word's attribute mark scores, (J+1, L, A+1) per task); and the model's
        probability of each of the sequence's own tasks (`task_p`: type x first x last word of the trigger) and
        arguments (`arg_p`, per task: role x first x last word), the raw confidence of `decoding.confidence`."""
        s, b = self.scored(rows, sequences, marks)
        lp = lambda key, target: s[key].log_softmax(-1).gather(-1, target[..., None]).squeeze(-1)
        task_p = (lp("type", b["types"]) + lp("t_start", b["t_start"]) + lp("t_end", b["t_end"])).exp().tolist()
        arg_p = (lp("role", b["roles"]) + lp("a_start", b["a_start"]) + lp("a_end", b["a_end"])).exp().tolist()
        out, n = [], 0
        for k, tasks in enumerate(sequences):
            out.append({**{key: s[key][k] for key in ("type", "t_start", "t_end", "outer")},
                        **{key: s[key][n : n + len(tasks)]
                           for key in ("role", "a_start", "a_end", "class", "inner", "attributes") if key in s},
                        "task_p": task_p[k][: len(tasks)],
                        "arg_p": [arg_p[n + j][: len(t.arguments)] for j, t in enumerate(tasks)]})
            n += len(tasks)
        return out

    def scored(self, rows: list[int], sequences: Sequence[Sequence], marks: bool = False) -> tuple[dict, dict]:
        """The scores of `teacher_forced` for the whole group, padded as `decoding.batching.pack` pads, and the
        packed decisions themselves."""
        m, index = self.model, torch.tensor(rows)
        lengths = [self.lengths[i] for i in rows]
        width = max(lengths)
        decisions = pack([[(t.type, t.start, t.end, [(a.role, a.start, a.end, a.cls) for a in t.arguments])
                           for t in tasks] for tasks in sequences], lengths, m.stop_id, m.end_id)
        s = m.pass_scores(self.words[index, :width], self.keys[index, :width], self.raw[index, :width],
                          self.mask[index, :width], torch.tensor(lengths), decisions, marks)
        return s, decisions


_HEADS = {"type": Batch.type_scores, "role": Batch.role_scores, "t_start": Batch.trigger_starts,
          "t_end": Batch.trigger_ends, "a_start": Batch.argument_starts, "a_end": Batch.argument_ends,
          "class": Batch.class_scores, "marks": Batch.marks, "inner_init": Batch.inner_init,
          "outer": Batch.outer_step, "inner": Batch.inner_step, "verify": Batch.verify}
