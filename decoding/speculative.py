"""Speculative decoding: a drafted parse verified in one batched decoder pass, misses repaired step by step.

A draft is a complete decision sequence. One pass of the decoder (`Extractor.pass_scores`, the computation
training uses, in ONNX Runtime when the extractor has it) scores every decision of the draft after the draft's
own earlier decisions, and the attribute marks of each drafted argument. Walking the draft in
order under the output grammar, a decision is accepted while it equals the grammar-masked best choice; at a
miss the model's own choice is known too (it was computed in the same pass), and decoding goes on one decision
at a time (the `ConstrainedDecoder` walk) from the states the pass computed. The output is exactly
`ConstrainedDecoder`'s.

A miss inside a task's arguments stays inside that task: the outer decoder reads a task's type and trigger,
not its arguments, so once the task's arguments are decoded step by step the pass's scores of the later tasks
are still the model's, and checking goes on. A miss in a task's type or trigger, or a task the draft lacks,
changes everything after it; the rest is decoded step by step.

Why not a second pass: on this decoder a pass costs about half a whole greedy decoding in torch (the fixed cost
of some 200 small tensor operations, nearly independent of the draft's length), more than decoding the few
decisions after a miss one at a time.

Drafts copy the source sentence: the rule extractor's parse (`Encoded.hint`, set by `TaskParser` from its
drafter) gives triggers and argument spans as words of the instruction, with labels; a table of the model's own
recent decisions, keyed by the words they were taken on and updated as it decodes (Token-Recycling-style,
bounded), then relabels the drafted arguments with the class the model gave the same words before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .backend_names import HYBRID, SPECULATIVE
from .decoders import ConstrainedDecoder, Decoded, DecodedArgument, DecodedTask, Decoder, decision_key, repeats
from .grammar import Grammar
from .lockstep import Batch, Step, Walk, runs_of
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


_SCORED = ("type", "t_start", "t_end", "role", "a_start", "a_end", "class")


class SpeculativeDecoder(Decoder):
    """Constrained decoding with a drafted parse verified in one batched pass; output identical to `constrained`."""

    name = SPECULATIVE
    drafts = True

    def __init__(self, grammar: Grammar, margin: float = 0.0):
        self.grammar = grammar
        self.stepper = ConstrainedDecoder(grammar)
        self.table = DraftTable()
        # > 0: a drafted choice within `margin` of the model's best score is kept (a hybrid of the drafter and
        # the model, no longer constrained's output, still inside the grammar); 0: lossless
        self.margin = margin
        self.name = HYBRID if margin else SPECULATIVE

    def stepwise(self) -> ConstrainedDecoder:
        return self.stepper

    def steps(self, batch: Batch, i: int) -> Walk:
        model, enc = batch.model, batch.encoded[i]
        draft = self.draft(model, enc)
        checked = 0  # decoder calls spent on the drafter's "no task" when it is not kept
        if self.margin and enc.hint is not None and not enc.hint.tasks:
            if (yield from self._no_task_kept(batch, i)):
                return Decoded([], 1)
            checked = 1
        if not draft:  # nothing to verify: a pass would only check the first STOP, which rarely holds
            out = yield from self.stepper.steps(batch, i)
            out.calls += checked
            self.table.learn(out.tasks, enc.tokens)
            return out
        scores = yield Step("verify", (draft,))
        check = _Check(self.stepper.walk(model, enc), scores, self.margin)
        out = yield from self._verify(model, draft, check)
        if check.accepted:  # attribute marks of the accepted arguments: the pass scored them
            tags = scores["attributes"][:, :, : enc.n].argmax(-1).tolist()
            for k, j in check.accepted:
                draft[k].arguments[j].attributes = runs_of(tags[k][j], model.no_attr)
        if out is None:
            out = yield from self.stepper.resume_steps(check.walk, check.h, check.done)
        elif decision_key(out.tasks) == decision_key(draft):  # the pass scored exactly the output: confidence known
            out.raw = (scores["task_p"], scores["arg_p"])
        out.calls += 1 + checked  # the pass
        self.table.learn(out.tasks, enc.tokens)
        return out

    def _no_task_kept(self, batch: Batch, i: int) -> Walk:
        """A hybrid keeps the drafter's "no task" ("hello", "thank you") as it keeps its other choices: when the
        model scores STOP within the margin of its best first task type."""
        model = batch.model
        values = (yield Step("type", (batch.start_state(i),))).tolist()
        allowed = self.stepper.walk(model, batch.encoded[i]).rules.types() or range(len(values))
        best = max(allowed, key=values.__getitem__)
        return model.stop_id in allowed and values[best] - values[model.stop_id] <= self.margin

    def _verify(self, model: Extractor, draft: list[DecodedTask], check: _Check) -> Walk:
        """Walk the draft, task by task, taking the model's choices from the pass.

        A miss inside a task's arguments is repaired there, step by step: what follows a task depends on its type
        and trigger only, so the pass's scores of the later tasks stay right. A miss in a task's type or trigger
        (or a task the draft lacks) changes everything after it: None is returned, and `check` holds where
        decoding goes on from."""
        c = model.config
        for k, task in enumerate(draft):
            if not check.header(k, task):
                return None
            done = DecodedTask(task.type, task.start, task.end)
            check.done.append(done)
            at_arguments = check.rules.save()
            for j, arg in enumerate(task.arguments):
                if not check.argument(k, j, arg):
                    yield from check.walk.arguments(check.inner[k, j], done)
                    break
                done.arguments.append(arg)
                check.accepted.append((k, j))
            else:
                j = len(task.arguments)
                if j == c.max_arguments:
                    check.rules.took("role", model.end_id)  # the argument bound ends the task, as in the walk
                elif not check.end(k, j, model.end_id):
                    yield from check.walk.arguments(check.inner[k, j], done)
            if self.margin and repeats(done, check.done[:-1]):
                # the model's repair repeats an earlier task ("turn off the oven and the stove": the oven again): a
                # hybrid keeps the drafted arguments the grammar allows, which the pass scored (what follows depends
                # on the task's header only)
                allowed = self.grammar.spec.roles.get(c.task_types[task.type], ())
                kept = [j for j, a in enumerate(task.arguments) if c.roles[a.role] in allowed]
                drafted = DecodedTask(task.type, task.start, task.end, [task.arguments[j] for j in kept])
                if not repeats(drafted, check.done[:-1]) and check.fits(at_arguments, drafted.arguments,
                                                                          model.end_id):
                    done.arguments[:] = drafted.arguments
                    check.accepted += [(k, j) for j in kept if (k, j) not in check.accepted]
        if len(draft) < c.max_tasks and not check.stop(len(draft), model.stop_id):
            return None
        return Decoded(check.done, check.walk.calls)

    # ---- drafting ------------------------------------------------------------------------------------------------
    def draft(self, model: Extractor, enc: Encoded) -> list[DecodedTask]:
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
        if not self.margin:  # a hybrid keeps drafted choices: relabelling from history would make its output
            self.table.relabel(draft, enc.tokens)  # depend on what came before
        return draft


class _Check:
    """One verification: the pass's scores as lists, the grammar walk that checks against them (and decodes the
    repairs), and what was accepted so far."""

    def __init__(self, walk, scores: dict, margin: float = 0.0):
        self.walk, self.rules, self.margin = walk, walk.rules, margin
        # plain lists: the walk reads a few scores per decision, and a tensor index costs more than the read
        self.rows = {key: scores[key].tolist() for key in _SCORED}
        self.outer, self.inner = scores["outer"], scores["inner"]
        self.done: list[DecodedTask] = []          # decided tasks, the last one possibly being repaired
        self.accepted: list[tuple[int, int]] = []  # (task, argument) of accepted drafted arguments
        self.h = None                              # outer state to decode on from, after a missed header
        self.seen: list[int] = []                  # choices taken since the start of the current task or argument
        self.saved: tuple = ()                     # the constraints as they stood there

    def take(self, kind: str, k: int, j: int, drafted: int, draft_start: int = 0, role: int | None = None) -> bool:
        """Take the model's choice at one decision; whether it is the drafted one. On a miss the choice is kept
        as known to the walk, which decodes on from there."""
        r = self.rules
        if kind == "type":
            allowed, values = r.types(), self.rows["type"][k]
        elif kind == "t_start":
            allowed, values = r.starts(None), self.rows["t_start"][k]
        elif kind == "t_end":
            allowed, values = r.ends(None, draft_start), self.rows["t_end"][k]
        elif kind == "role":
            allowed, values = r.roles(), self.rows["role"][k][j]
        elif kind == "a_start":
            allowed, values = r.starts(role), self.rows["a_start"][k][j]
        elif kind == "a_end":
            allowed, values = r.ends(role, draft_start), self.rows["a_end"][k][j]
        else:
            values = self.rows["class"][k][j]
            allowed = r.classes() or range(len(values))
        choice = allowed[0] if len(allowed) == 1 else max(allowed, key=values.__getitem__)
        if self.margin and choice != drafted and drafted in allowed and values[choice] - values[drafted] <= self.margin:
            choice = drafted
        r.took(_KIND[kind], choice)
        self.seen.append(choice)
        if choice != drafted:
            # the walk decodes on from the start of this task or argument: it takes the choices seen since then
            # again, as known ones, from the constraints as they stood there
            self.rules.restore(self.saved)
            self.walk.know(self.seen)
            return False
        return True

    def begin(self) -> None:
        """A task's header, an argument, an END or a STOP is checked next."""
        self.seen, self.saved = [], self.rules.save()

    def fits(self, saved: tuple, arguments: list[DecodedArgument], end_id: int) -> bool:
        """Whether the constraints as `saved` (at a task's first argument) allow `arguments` and then END; if so
        they stand after them, else as they were."""
        r, now = self.rules, self.rules.save()
        r.restore(saved)
        steps = [step for a in arguments for step in (
            (r.roles, "role", a.role), (lambda a=a: r.starts(a.role), "start", a.start),
            (lambda a=a: r.ends(a.role, a.start), "end", a.end), (r.classes, "class", a.cls))]
        for options, kind, choice in (*steps, (r.roles, "role", end_id)):
            allowed = options()
            if allowed is not None and (allowed or kind != "class") and choice not in allowed:
                r.restore(now)
                return False
            r.took(kind, choice)
        return True

    def header(self, k: int, task: DecodedTask) -> bool:
        """Check a drafted task's type and trigger; on a miss decoding goes on from this task's outer state."""
        self.begin()
        self.h = self.outer[k]
        return (self.take("type", k, -1, task.type) and self.take("t_start", k, -1, task.start)
                and self.take("t_end", k, -1, task.end, task.start))

    def argument(self, k: int, j: int, arg: DecodedArgument) -> bool:
        self.begin()
        return (self.take("role", k, j, arg.role) and self.take("a_start", k, j, arg.start, role=arg.role)
                and self.take("a_end", k, j, arg.end, arg.start, arg.role) and self.take("class", k, j, arg.cls))

    def end(self, k: int, j: int, end_id: int) -> bool:
        """Check the END after a task's drafted arguments."""
        self.begin()
        return self.take("role", k, j, end_id)

    def stop(self, k: int, stop_id: int) -> bool:
        """Check the STOP after the drafted tasks; on a miss decoding goes on from the outer state after them."""
        self.begin()
        self.h = self.outer[k]
        return self.take("type", k, -1, stop_id)


_KIND = {"type": "type", "t_start": "start", "t_end": "end", "role": "role", "a_start": "start",
         "a_end": "end", "class": "class"}
