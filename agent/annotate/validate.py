"""Checking an annotation file line by line: spans, task types, roles and classes against the label set and the
skill library."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from decoding.parse import Parse
from decoding.vocabulary import Vocabulary

from .problems import Problems
from .sources import read_parse_lines

__all__ = ["Validation", "validate_file", "validate_parse"]

_NO_LIMIT = 10_000  # the model's task and argument bounds do not apply to annotations


@dataclass
class Validation:
    """The outcome of `validate_file`: lines read, lines without a problem, and every problem."""

    lines: int
    valid: int
    problems: Problems

    def summary(self) -> str:
        return (f"{self.problems.file}: {self.lines} lines, {self.valid} valid, "
                f"{len(self.problems)} problem{'s' * (len(self.problems) != 1)}")


def _word_problems(parse: Parse) -> list[str]:
    found = [f"token {i} {t!r} is not the text {parse.instruction[a:b]!r} at its offsets {a}-{b}"
             for i, (t, (a, b)) in enumerate(zip(parse.tokens, parse.offsets, strict=False))
             if parse.instruction[a:b] != t]
    for i, task in enumerate(parse.tasks):
        spans = [("trigger", task.trigger)] + [(a.role, a.span) for a in task.arguments]
        found += [f"task {i} ({task.type}) {name}: character offsets {s.char_start}-{s.char_end} are not those of "
                  f"words {s.start}-{s.end}" for name, s in spans
                  if s.char_start is not None and parse.offsets and parse.span(s.start, s.end) != s]
    return found


def validate_parse(parse: Parse, vocabulary: Vocabulary, library) -> list[str]:
    """Every problem of one parse: words and offsets, the label set (`vocabulary`), the skill library.

    Examples
    --------
    >>> from agent.defaults import default_vocabulary, load_library
    >>> from decoding.tage_format import read_row
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> validate_parse(p, default_vocabulary(), load_library())
    []
    >>> bad = p.model_copy(update={"tasks": (p.tasks[0].model_copy(update={"type": "Pickin"}),)})
    >>> validate_parse(bad, default_vocabulary(), load_library())[0]
    "label set: task 0: unknown task type 'Pickin'"
    """
    from agent.spec import output_spec

    spec = output_spec(library, _NO_LIMIT, _NO_LIMIT)
    return (_word_problems(parse) + [f"label set: {p}" for p in vocabulary.problems(parse)]
            + [f"skill library: {p}" for p in spec.problems(parse)])


def validate_file(path: str | Path, vocabulary: Vocabulary, library) -> Validation:
    """Check every line of a JSONL file of parses; each problem is kept with its line number."""
    problems = Problems(str(path))
    parses = read_parse_lines(path, problems)
    bad_lines = {p.where for p in problems.items}
    for number, parse in parses:
        for message in validate_parse(parse, vocabulary, library):
            problems.add(f"line {number}", message)
    lines = len(parses) + len(bad_lines)
    return Validation(lines, lines - len({p.where for p in problems.items}), problems)
