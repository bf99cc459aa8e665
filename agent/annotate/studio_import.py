"""Label Studio's JSON export back into parses: regions to spans, relations to task frames, problems by item."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from decoding.files import read_json
from decoding.parse import Argument, Attribute, Parse, TaskFrame
from decoding.vocabulary import Vocabulary

from .problems import AnnotationError, Problems
from .studio_config import ATTRIBUTE, GROUNDING, ROLE, TRIGGER, region_order

if TYPE_CHECKING:
    from decoding.parser import Words

__all__ = ["StudioImport", "read_studio_export", "from_studio_tasks"]


@dataclass
class StudioImport:
    """The parses read from an export, where each came from (annotation or prediction), and the problems."""

    parses: list[Parse]
    problems: Problems
    sources: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class _Region:
    rid: str
    control: str
    label: str
    start: int  # first word
    end: int    # last word (inclusive)
    char_start: int
    score: float | None

    def sort_key(self) -> tuple:
        order = region_order(self.rid)
        return (order is None, order if order is not None else self.char_start, self.char_start)


def read_studio_export(path: str | Path, vocabulary: Vocabulary) -> StudioImport:
    """Parses from a Label Studio JSON export file (a list of tasks); bad regions are dropped and reported.

    Each task's latest non-cancelled annotation is read, else its latest prediction.
    """
    tasks = read_json(path, list, "a Label Studio JSON export is a list of tasks", AnnotationError)
    return from_studio_tasks(tasks, vocabulary, Problems(str(path)))


def from_studio_tasks(tasks: list, vocabulary: Vocabulary, problems: Problems) -> StudioImport:
    """Parses of Label Studio tasks (the objects of a JSON export), in order; see `read_studio_export`.

    Examples
    --------
    >>> from agent.defaults import default_vocabulary
    >>> from decoding.tage_format import read_row
    >>> from .studio_export import to_studio_tasks
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> from_studio_tasks(to_studio_tasks([p]), default_vocabulary(), Problems("x.json")).parses == [p]
    True
    """
    out = StudioImport([], problems)
    for number, task in enumerate(tasks, start=1):
        where = f"item {number}" + (f" (task id {task['id']})" if isinstance(task, dict) and "id" in task else "")
        parse, source = _ItemReader(task, where, vocabulary, problems).read()
        if parse is not None:
            out.parses.append(parse)
            out.sources[source] += 1
    return out


def _latest(entries: object) -> dict | None:
    kept = [e for e in _list(entries) if isinstance(e, dict) and not e.get("was_cancelled")]
    return max(kept, key=lambda e: str(e.get("updated_at") or e.get("created_at") or ""), default=None)


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


class _ItemReader:
    """One Label Studio task read into a `Parse`, its problems added to `problems` under `where`."""

    def __init__(self, task: object, where: str, vocabulary: Vocabulary, problems: Problems):
        self.task, self.where, self.vocabulary, self.problems = task, where, vocabulary, problems
        self.labels = {TRIGGER: vocabulary.task_types, ROLE: vocabulary.roles, ATTRIBUTE: vocabulary.attributes}

    def problem(self, message: str) -> None:
        self.problems.add(self.where, message)

    def read(self) -> tuple[Parse | None, str]:
        data = self.task.get("data") if isinstance(self.task, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            self.problem("no data.text: not a task of this labeling config")
            return None, ""
        self.words = self._words(data)
        source, results = self._results()
        regions, grounding, relations = self._collect(results)
        return self._parse(regions, grounding, relations), source

    def _words(self, data: dict) -> Words:
        from decoding.parser import Words  # imports torch: only once an export is read

        text, tokens, offsets = data["text"], data.get("tokens"), data.get("offsets")
        if isinstance(tokens, list) and isinstance(offsets, list) and len(tokens) == len(offsets):
            try:
                words = Words(text, tuple(map(str, tokens)), tuple((int(a), int(b)) for a, b in offsets))
                if all(text[a:b] == t for t, (a, b) in zip(words.tokens, words.offsets, strict=True)):
                    return words
            except (TypeError, ValueError):
                pass
            self.problem("data.tokens / data.offsets do not match data.text: the text is tokenised anew")
        return Words.of(text)

    def _results(self) -> tuple[str, list]:
        for source in ("annotations", "predictions"):
            chosen = _latest(self.task.get(source))
            if chosen is not None:
                result = chosen.get("result")
                return source, result if isinstance(result, list) else []
        return "unannotated", []

    def _collect(self, results: list) -> tuple[dict[str, _Region], dict[str, str], list[tuple[str, str]]]:
        regions: dict[str, _Region] = {}
        grounding: dict[str, str] = {}
        relations: list[tuple[str, str]] = []
        for item in results:
            if not isinstance(item, dict):
                self.problem(f"result entry {item!r} is not an object")
            elif item.get("type") == "relation":
                relations.append((str(item.get("from_id")), str(item.get("to_id"))))
            elif item.get("from_name") == GROUNDING:
                self._grounding(item, grounding)
            else:
                self._region(item, regions)
        return regions, grounding, relations

    def _grounding(self, item: dict, grounding: dict[str, str]) -> None:
        choices = _list(_dict(item.get("value")).get("choices"))
        if len(choices) != 1 or choices[0] not in self.vocabulary.classes:
            self.problem(f"region {item.get('id')}: grounding {choices} is not one known class; 'unk' used")
            return
        grounding[str(item.get("id"))] = choices[0]

    def _region(self, item: dict, regions: dict[str, _Region]) -> None:
        rid, control, value = str(item.get("id")), item.get("from_name"), _dict(item.get("value"))
        labels = _list(value.get("labels"))
        if not isinstance(control, str) or control not in self.labels:
            return self.problem(f"region {rid}: unknown control {control!r} (expected {TRIGGER}, {ROLE}, "
                                f"{ATTRIBUTE} or {GROUNDING})")
        if len(labels) != 1:
            return self.problem(f"region {rid}: {len(labels)} labels {labels}; overlapping labels on one region "
                                "are ambiguous, give each its own region")
        if labels[0] not in self.labels[control]:
            return self.problem(f"region {rid}: unknown {control} label {labels[0]!r}")
        if rid in regions:
            return self.problem(f"region {rid}: labelled twice ({regions[rid].label} and {labels[0]})")
        words = self._word_range(rid, value.get("start"), value.get("end"))
        if words is not None:
            regions[rid] = _Region(rid, control, labels[0], *words, value["start"], self._score(rid, item))

    def _score(self, rid: str, item: dict) -> float | None:
        score = item.get("score")
        if score is None or (isinstance(score, int | float) and not isinstance(score, bool) and 0 <= score <= 1):
            return score
        self.problem(f"region {rid}: score {score!r} is not a number from 0 to 1; dropped")
        return None

    def _word_range(self, rid: str, start: object, end: object) -> tuple[int, int] | None:
        size = len(self.words.instruction)
        if not (type(start) is int and type(end) is int and 0 <= start < end <= size):  # not bool
            self.problem(f"region {rid}: span {start}-{end} is outside the text of {size} characters")
            return None
        inside = [i for i, (a, b) in enumerate(self.words.offsets) if a < end and b > start]
        if not inside:
            self.problem(f"region {rid}: span {start}-{end} covers no word")
            return None
        return inside[0], inside[-1]

    def _parse(self, regions: dict[str, _Region], grounding: dict[str, str], relations: list) -> Parse:
        links = self._links(regions, relations)
        base = Parse(instruction=self.words.instruction, tokens=self.words.tokens, offsets=self.words.offsets)
        triggers = sorted((r for r in regions.values() if r.control == TRIGGER), key=_Region.sort_key)
        tasks = tuple(self._task(base, t, regions, grounding, links) for t in triggers)
        for r in regions.values():
            if r.control != TRIGGER and not links.get(r.rid):
                owner = "trigger" if r.control == ROLE else "argument"
                self.problem(f"region {r.rid} ({r.label} {self._text(r)!r}) is related to no {owner}; dropped")
        return base.model_copy(update={"tasks": tasks})

    def _text(self, region: _Region) -> str:
        return " ".join(self.words.tokens[region.start : region.end + 1])

    def _links(self, regions: dict[str, _Region], relations: list) -> dict[str, list[str]]:
        """For each argument or mark region, the trigger or argument regions it relates to (either direction)."""
        parent_of = {ROLE: TRIGGER, ATTRIBUTE: ROLE}
        links: dict[str, list[str]] = {}
        for a, b in relations:
            missing = [x for x in (a, b) if x not in regions]
            if missing:
                self.problem(f"relation {a} -> {b}: no region {', '.join(missing)}; relation dropped")
                continue
            child, parent = (a, b) if parent_of.get(regions[a].control) == regions[b].control else (b, a)
            if parent_of.get(regions[child].control) != regions[parent].control:
                self.problem(f"relation {a} -> {b}: relates a {regions[a].control} to a {regions[b].control}; "
                             "expected argument -> trigger or attribute -> argument")
                continue
            links.setdefault(child, []).append(parent)
        return links

    def _task(self, base: Parse, trigger: _Region, regions, grounding, links) -> TaskFrame:
        args = sorted((r for r in regions.values() if r.control == ROLE and trigger.rid in links.get(r.rid, [])),
                      key=_Region.sort_key)
        arguments = tuple(self._argument(base, a, regions, grounding, links) for a in args)
        return TaskFrame(type=trigger.label, trigger=base.span(trigger.start, trigger.end), arguments=arguments,
                         score=trigger.score)

    def _argument(self, base: Parse, arg: _Region, regions, grounding, links) -> Argument:
        marks = sorted((r for r in regions.values() if r.control == ATTRIBUTE and arg.rid in links.get(r.rid, [])),
                       key=_Region.sort_key)
        attributes = tuple(Attribute(type=m.label, span=base.span(m.start, m.end)) for m in marks)
        return Argument(role=arg.label, span=base.span(arg.start, arg.end), grounding=grounding.get(arg.rid, "unk"),
                        attributes=attributes, score=arg.score)
