"""The tagE reference metric (argument-level micro P/R/F1), task-level P/R/F1 and exact match.

The definition follows the dataset's README, not its released code, which has two defects: with its per-class
option it returns the F1 of the last role class instead of the overall F1, and its per-class printout swaps
precision and recall. Text is compared lower-cased, as the released strings are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .parse import Parse, TaskFrame

__all__ = ["PRF", "Scores", "score", "match_tasks", "canonical", "breakdown", "correctness",
           "expected_calibration_error"]


@dataclass(frozen=True)
class PRF:
    """Micro precision, recall and F1 from counts."""

    correct: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else float(self.gold == 0)

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else float(self.predicted == 0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Scores:
    """Every corpus-level figure of `score`."""

    n: int
    tasks: PRF
    arguments: PRF
    arguments_grounded: PRF
    exact: int

    @property
    def exact_match(self) -> float:
        return self.exact / self.n if self.n else 1.0

    def as_dict(self) -> dict:
        """Flat figures under the names of formats.md section 5."""
        out = {"n": self.n, "task_f1": self.tasks.f1, "arg_f1": self.arguments.f1,
               "arg_f1_grounded": self.arguments_grounded.f1, "exact_match": self.exact_match}
        for name, prf in (("task", self.tasks), ("arg", self.arguments), ("arg_grounded", self.arguments_grounded)):
            out[f"{name}_precision"], out[f"{name}_recall"] = prf.precision, prf.recall
        return out


def _task_key(task: TaskFrame) -> tuple[str, str]:
    return task.type, task.trigger.text.lower()


def match_tasks(gold: Sequence[TaskFrame], predicted: Sequence[TaskFrame]) -> list[tuple[int, int]]:
    """(gold index, predicted index) pairs: each predicted task takes the first unused gold task of equal key."""
    unused = list(range(len(gold)))
    pairs = []
    for j, task in enumerate(predicted):
        i = next((i for i in unused if _task_key(gold[i]) == _task_key(task)), None)
        if i is not None:
            unused.remove(i)
            pairs.append((i, j))
    return pairs


def _arguments(task: TaskFrame, grounded: bool) -> Counter:
    return Counter((a.role, a.span.text.lower()) + ((a.grounding,) if grounded else ()) for a in task.arguments)


def _correct_arguments(gold: Parse, predicted: Parse, grounded: bool) -> int:
    return sum(sum((_arguments(gold.tasks[i], grounded) & _arguments(predicted.tasks[j], grounded)).values())
               for i, j in match_tasks(gold.tasks, predicted.tasks))


def canonical(parse: Parse) -> tuple:
    """What exact match compares: tasks in order, each with type, trigger text and its multiset of arguments
    (role, text, grounding class); attribute marks and character offsets are not compared."""
    return tuple((t.type, t.trigger.text.lower(), tuple(sorted(_arguments(t, True).elements())))
                 for t in parse.tasks)


def score(gold: Sequence[Parse], predicted: Sequence[Parse]) -> Scores:
    """Corpus-level scores of `predicted` against `gold`, aligned by position.

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> score([p], [p]).arguments.f1
    1.0
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold parses but {len(predicted)} predictions")
    task_counts = [0, 0, 0]
    arg_counts = {False: [0, 0, 0], True: [0, 0, 0]}
    for g, p in zip(gold, predicted, strict=True):
        _add(task_counts, len(match_tasks(g.tasks, p.tasks)), len(p.tasks), len(g.tasks))
        for grounded, counts in arg_counts.items():
            _add(counts, _correct_arguments(g, p, grounded),
                 sum(len(t.arguments) for t in p.tasks), sum(len(t.arguments) for t in g.tasks))
    exact = sum(canonical(g) == canonical(p) for g, p in zip(gold, predicted, strict=True))
    return Scores(len(gold), PRF(*task_counts), PRF(*arg_counts[False]), PRF(*arg_counts[True]), exact)


def _add(counts: list[int], correct: int, predicted: int, gold: int) -> None:
    counts[0] += correct
    counts[1] += predicted
    counts[2] += gold


def breakdown(gold: Sequence[Parse], predicted: Sequence[Parse]) -> dict[str, dict[str, PRF]]:
    """Error analysis: argument P/R/F1 per role and task P/R/F1 per task type, same matching as `score`."""
    roles: dict[str, list[int]] = {}
    types: dict[str, list[int]] = {}
    for g, p in zip(gold, predicted, strict=True):
        pairs = match_tasks(g.tasks, p.tasks)
        matched_gold = {i for i, _ in pairs}
        for t in p.tasks:
            types.setdefault(t.type, [0, 0, 0])[1] += 1
            for a in t.arguments:
                roles.setdefault(a.role, [0, 0, 0])[1] += 1
        for i, t in enumerate(g.tasks):
            types.setdefault(t.type, [0, 0, 0])[2] += 1
            types[t.type][0] += i in matched_gold
            for a in t.arguments:
                roles.setdefault(a.role, [0, 0, 0])[2] += 1
        for i, j in pairs:
            for (role, _), n in (_arguments(g.tasks[i], False) & _arguments(p.tasks[j], False)).items():
                roles[role][0] += n
    return {"roles": {k: PRF(*v) for k, v in sorted(roles.items())},
            "task_types": {k: PRF(*v) for k, v in sorted(types.items())}}


def correctness(gold: Parse, predicted: Parse) -> tuple[list[bool], list[list[bool]]]:
    """Whether each predicted task, and each argument of each predicted task, is correct under the reference
    metric (a task matched by type and trigger text; an argument of a matched task with a gold argument of the
    same role and text, each gold argument used once).

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> correctness(p, p)
    ([True], [[True]])
    """
    matched = dict((j, i) for i, j in match_tasks(gold.tasks, predicted.tasks))
    tasks, arguments = [], []
    for j, task in enumerate(predicted.tasks):
        tasks.append(j in matched)
        left = _arguments(gold.tasks[matched[j]], False) if j in matched else Counter()
        flags = []
        for a in task.arguments:
            key = (a.role, a.span.text.lower())
            flags.append(left[key] > 0)
            left[key] -= 1
        arguments.append(flags)
    return tasks, arguments


def expected_calibration_error(scores: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error: the mean over equal-width score bins of |accuracy - mean score|, weighted by
    the share of predictions in each bin.

    Examples
    --------
    >>> expected_calibration_error([0.9, 0.9, 0.1, 0.1], [True, True, False, False])
    0.1
    """
    if len(scores) != len(correct):
        raise ValueError(f"{len(scores)} scores but {len(correct)} correctness flags")
    if not scores:
        return 0.0
    total = 0.0
    for k in range(bins):
        inside = [(s, c) for s, c in zip(scores, correct, strict=True)
                  if k / bins <= s < (k + 1) / bins or (k == bins - 1 and s == 1.0)]
        if inside:
            accuracy = sum(c for _, c in inside) / len(inside)
            confidence = sum(s for s, _ in inside) / len(inside)
            total += len(inside) * abs(accuracy - confidence)
    return round(total / len(scores), 6)
