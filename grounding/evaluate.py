"""Scoring grounding on a case file: exact node per argument, clarification precision / recall, plan exact match,
and plan success (the plan executes in the simulator and achieves every task's goal)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from decoding.errors import DataError
from decoding.files import describe_validation, read_jsonl
from decoding.parse import Parse

from .lexicon import Lexicon
from .pipeline import ground_parse, ground_ranked
from .result import GroundingResult, PlanStep
from .scene import SceneGraph
from .simulate import SimulationRun, simulate
from .skills import SkillLibrary
from .vocabulary import OpenVocabulary

__all__ = ["evaluate_cases", "simulate_cases", "plan_strings", "failure_cause", "case_split", "Tally"]


def plan_strings(plan: tuple[PlanStep, ...] | list[PlanStep], library: SkillLibrary) -> list[str]:
    """Each step as ``"skill arg ..."`` with arguments in the skill's parameter order ("pick mug_1")."""
    return [" ".join([s.skill] + [s.args[p.name] for p in library[s.skill].parameters if p.name in s.args])
            for s in plan]


def evaluate_cases(path: str | Path, library: SkillLibrary,
                   parser: Callable[[str], Parse | Sequence[Parse]] | None = None,
                   scene_dir: str | Path | None = None, lexicon: Lexicon | None = None,
                   ask_below: float | None = None, split: str | None = None,
                   vocabulary: OpenVocabulary | None = None) -> dict:
    """Score grounding on a `cases.jsonl` file (format: data/grounding/README.md).

    Parses come from the cases (gold) unless `parser` is given (e.g. a model's `Agent.parse`, or n-best parses
    such as `Agent.parse_n`'s, which are re-ranked by `ground_ranked`). Scenes are looked up by name in
    `scene_dir` (default: `../scenes` beside the case file) and loaded once each. `ask_below` makes grounding
    ask about arguments the extractor scored below it (`ground_parse`).

    With `split` ("dev" or "test", `case_split`), only the cases of that part are scored. With `vocabulary`,
    names are matched by meaning too (`OpenVocabulary`).

    Returns a dict with `n`, `grounding_accuracy` (exact node, or exact set of nodes, per expected argument; an
    expected null counts only where the case expects a clarification or an error for that argument, and is right
    only when that clarification or error came), `clarification_precision`, `clarification_recall` (a
    clarification counts when task, role and candidate set all match), `plan_exact_match` (over cases with an
    expected plan), `error_code_accuracy`, `per_role` (accuracy of each role's arguments), `per_error_code`
    (precision and recall of each error code), `counts` and `failures` (case ids with what differed). A figure
    with nothing to count is None (n/a).
    """
    path = Path(path)
    scene_dir = Path(scene_dir) if scene_dir else path.parent.parent / "scenes"
    scenes: dict[str, SceneGraph] = {}
    tally = Tally()
    failures, n = [], 0
    for number, case in read_jsonl(path):
        if split is not None and case_split(case["id"]) != split:
            continue
        n += 1
        scene = scenes.get(case["scene"]) or scenes.setdefault(case["scene"], _scene(scene_dir, case["scene"]))
        parses = parser(case["instruction"]) if parser else _gold(path, number, case)
        result = (ground_parse(parses, scene, library, lexicon, ask_below=ask_below, vocabulary=vocabulary)
                  if isinstance(parses, Parse)
                  else ground_ranked(parses, scene, library, lexicon, ask_below=ask_below, vocabulary=vocabulary))
        problems = _score(case["expected"], result, library, tally)
        if problems:
            failures.append({"id": case["id"], "problems": problems})
    return {"n": n, "source": "parser" if parser else "gold", **tally.summary(), "failures": failures}


def simulate_cases(path: str | Path, library: SkillLibrary, parser: Callable[[str], Parse] | None = None,
                   scene_dir: str | Path | None = None, lexicon: Lexicon | None = None,
                   vocabulary: OpenVocabulary | None = None) -> dict:
    """Plan success on a `cases.jsonl` file: the share of cases whose plan executes and achieves every goal.

    Scored over the cases the annotation expects to be fully grounded (no clarification, no error expected);
    `plan_success_all` divides by every case. Parses and scenes as in `evaluate_cases`; a parse whose task types
    differ from the gold parse's fails (`tasks_differ`: its goals are not what was asked). `causes` counts why
    the scored cases failed (`failure_cause`); `failures` lists them.
    """
    path = Path(path)
    scene_dir = Path(scene_dir) if scene_dir else path.parent.parent / "scenes"
    scenes: dict[str, SceneGraph] = {}
    n, scored, succeeded, causes, failures = 0, 0, 0, {}, []
    for number, case in read_jsonl(path):
        n += 1
        if case["expected"]["clarifications"] or case["expected"]["errors"]:
            continue  # a case meant to ask or fail cannot succeed; plan_success_all counts it as a failure
        scene = scenes.get(case["scene"]) or scenes.setdefault(case["scene"], _scene(scene_dir, case["scene"]))
        gold = _gold(path, number, case)
        parse = parser(case["instruction"]) if parser else gold
        result = ground_parse(parse, scene, library, lexicon, vocabulary=vocabulary)
        run = simulate(result, scene, library, lexicon)
        same_tasks = [t.type for t in parse.tasks] == [t.type for t in gold.tasks]
        success = same_tasks and result.complete and run.success
        scored, succeeded = scored + 1, succeeded + success
        if not success:
            cause = failure_cause(result, run) if same_tasks else "tasks_differ"
            causes[cause] = causes.get(cause, 0) + 1
            failures.append({"id": case["id"], "cause": cause})
    return {"n": n, "source": "parser" if parser else "gold", "scored": scored,
            "plan_success": _ratio(succeeded, scored), "plan_success_all": _ratio(succeeded, n),
            "causes": dict(sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))), "failures": failures}


def failure_cause(result: GroundingResult, run: SimulationRun) -> str:
    """Why a result did not execute and achieve, first reason first: ``error:<code>`` (grounding or planning),
    ``clarification``, ``step:<code>[:<predicate>]`` (a failed step), ``goal:<skill>`` (a goal that does not hold).

    Examples
    --------
    >>> from decoding.parse import Parse
    >>> failure_cause(GroundingResult(instruction="", parse=Parse(instruction="", tokens=())), SimulationRun())
    'none'
    """
    if result.errors:
        return f"error:{result.errors[0].code}"
    if result.clarifications:
        return "clarification"
    if run.failure is not None:
        literal = run.failure.literal
        return f"step:{run.failure.code}" + (f":{literal.split('(')[0].removeprefix('not ')}" if literal else "")
    unmet = next((g for g in run.goals if not g.ok), None)
    return f"goal:{unmet.skill}" if unmet is not None else "none"


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def case_split(case_id: str) -> str:
    """The part a case belongs to: "dev" (thresholds are set on it) for a third of the ids, "test" for the rest,
    decided by the SHA-256 of the id so that it never depends on the file's order.

    Examples
    --------
    >>> case_split("apt-001"), case_split("apt-002")
    ('test', 'dev')
    """
    return "dev" if hashlib.sha256(case_id.encode("utf-8")).digest()[0] % 3 == 0 else "test"


@dataclass
class Tally:
    """Counts behind the figures of `evaluate_cases`."""

    counts: Counter = field(default_factory=Counter)
    roles: dict[str, Counter] = field(default_factory=dict)
    codes: dict[str, Counter] = field(default_factory=dict)

    def binding(self, role: str, ok: bool) -> None:
        self.counts["args"] += 1
        self.counts["args_ok"] += ok
        self.roles.setdefault(role, Counter()).update(n=1, correct=ok)

    def summary(self) -> dict:
        c = self.counts
        return {"grounding_accuracy": _ratio(c["args_ok"], c["args"]),
                "clarification_precision": _ratio(c["clar_tp"], c["clar_pred"]),
                "clarification_recall": _ratio(c["clar_tp"], c["clar_gold"]),
                "plan_exact_match": _ratio(c["plans_ok"], c["plans"]),
                "error_code_accuracy": _ratio(c["errs_ok"], c["errs"]),
                "per_role": {r: {"n": k["n"], "accuracy": _ratio(k["correct"], k["n"])}
                             for r, k in sorted(self.roles.items())},
                "per_error_code": {code: {"gold": k["gold"], "reported": k["reported"],
                                          "precision": _ratio(k["correct"], k["reported"]),
                                          "recall": _ratio(k["correct"], k["gold"])}
                                   for code, k in sorted(self.codes.items())},
                "counts": dict(c)}


def _scene(scene_dir: Path, name: str) -> SceneGraph:
    for suffix in (".yaml", ".yml", ".json"):
        if (scene_dir / f"{name}{suffix}").is_file():
            return SceneGraph.load(scene_dir / f"{name}{suffix}")
    raise DataError(f"{scene_dir}: no scene named {name!r}")


def _gold(path: Path, number: int, case: dict) -> Parse:
    try:
        return Parse.model_validate(case["parse"])
    except ValidationError as err:
        raise DataError(f"{path}:{number}: not a valid Parse: {describe_validation(err)}") from err


def _binding_node(result: GroundingResult, task: int, role: str, nth: int) -> str | list[str] | None:
    """The node an argument bound to, the sorted list of a set's members, or None."""
    if task >= len(result.tasks):
        return None
    found = [b for b in result.tasks[task].bindings if b.role == role]
    if len(found) < nth:
        return None
    return sorted(found[nth - 1].members) if found[nth - 1].members else found[nth - 1].node


def _score(expected: dict, result: GroundingResult, library: SkillLibrary, tally: Tally) -> list[str]:
    gold = {(c["task"], c["role"], tuple(sorted(c["candidates"]))) for c in expected["clarifications"]}
    pred = {(c.task, c.role, tuple(sorted(c.candidates))) for c in result.clarifications}
    got_errors = {(e.task, e.role): e.code for e in result.errors}
    want_errors = {(e["task"], e["role"]): e["code"] for e in expected["errors"]}
    problems = _score_bindings(expected, result, tally, gold & pred, got_errors, want_errors)
    tally.counts.update(clar_gold=len(gold), clar_pred=len(pred), clar_tp=len(gold & pred))
    problems += [f"clarification missing {g}" for g in gold - pred] + [f"clarification extra {p}" for p in pred - gold]
    problems += _score_errors(expected, result, tally, got_errors)
    if expected.get("plan") is not None:
        got_plan = plan_strings(result.plan, library)
        tally.counts.update(plans=1, plans_ok=got_plan == expected["plan"])
        if got_plan != expected["plan"]:
            problems.append(f"plan {got_plan} != {expected['plan']}")
    return problems


def _score_bindings(expected: dict, result: GroundingResult, tally: Tally, asked: set, got_errors: dict,
                    want_errors: dict) -> list[str]:
    """Exact node (or set) per expected argument. An expected null is scored only where the case expects a
    clarification or an error for the argument, and is right only when that clarification or error came."""
    problems = []
    asked_args = {(t, r) for t, r, _ in asked}
    expects_question = {(c["task"], c["role"]) for c in expected["clarifications"]}
    for b in expected["bindings"]:
        key, want = (b["task"], b["role"]), sorted(b["node"]) if isinstance(b["node"], list) else b["node"]
        got = _binding_node(result, b["task"], b["role"], b["nth"])
        if want is None and key not in expects_question and key not in want_errors:
            tally.counts["null_unscored"] += 1
            continue
        ok = got == want if want is not None else got is None and (
            key in asked_args or (key in want_errors and got_errors.get(key) == want_errors[key]))
        tally.binding(b["role"], ok)
        if not ok:
            problems.append(f"{b['task']}.{b['role']}: {got} != {want}")
    return problems


def _score_errors(expected: dict, result: GroundingResult, tally: Tally, got_errors: dict) -> list[str]:
    problems = []
    for e in result.errors:
        tally.codes.setdefault(e.code, Counter())["reported"] += 1
    for e in expected["errors"]:
        got = got_errors.get((e["task"], e["role"]))
        tally.counts.update(errs=1, errs_ok=got == e["code"])
        tally.codes.setdefault(e["code"], Counter()).update(gold=1, correct=got == e["code"])
        if got != e["code"]:
            problems.append(f"error {e['task']}.{e['role']}: {got} != {e['code']}")
    return problems
