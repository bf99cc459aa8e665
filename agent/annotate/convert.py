"""Converting annotations between the project's JSONL of parses, tagE's CSV form and CoNLL-style BIO columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from decoding.errors import DataError
from decoding.parse import Parse, TaskFrame
from decoding.tage_format import RowError, read_row, to_seq2seq_output, to_tage_output

from .problems import Problems
from .sources import decoded_text, is_utf8

__all__ = ["to_tage_csv", "read_tage_csv", "to_bio", "TAGE_COLUMNS"]

TAGE_COLUMNS = ("input", "tage_output", "seq2seq_output")


def to_tage_csv(parses: Sequence[Parse]) -> str:
    """The CSV text of the tagE dataset (`input`, `tage_output`, `seq2seq_output`) for `parses`.

    Examples
    --------
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> print(to_tage_csv([p]).splitlines()[1])
    pick the cup,0 0 Picking; 2 2 Theme,"picking : pick , theme : cup :cup"
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TAGE_COLUMNS)
    writer.writerows((p.instruction, to_tage_output(p), to_seq2seq_output(p)) for p in parses)
    return out.getvalue()


def read_tage_csv(path: str | Path, problems: Problems) -> list[Parse]:
    """The parses of a tagE-form CSV file; rows that are not UTF-8 or do not parse go to `problems` by line."""
    reader = csv.DictReader(io.StringIO(decoded_text(path), newline=""))
    missing = set(TAGE_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise DataError(f"{path}:1: header lacks column(s) {', '.join(sorted(missing))}")
    parses, line = [], 2
    for row in reader:
        values = [row.get(c) for c in TAGE_COLUMNS]
        try:
            if not all(isinstance(v, str) and is_utf8(v) for v in values):
                raise RowError("not UTF-8 text" if all(values) else "row has fewer than three columns")
            parses.append(read_row(*values)[0])
        except RowError as err:
            problems.add(f"line {line}", str(err))
        line = reader.line_num + 1
    return parses


def _column(task: TaskFrame, size: int) -> tuple[list[str], list[str]]:
    """One task as BIO tags over `size` words, and what did not fit (overlapping spans)."""
    tags, lost = ["O"] * size, []
    for label, span in [(task.type, task.trigger)] + [(a.role, a.span) for a in task.arguments]:
        if any(t != "O" for t in tags[span.start : span.end + 1]):
            lost.append(f"{label} {span.text!r}")
            continue
        tags[span.start : span.end + 1] = [f"B-{label}"] + [f"I-{label}"] * (span.end - span.start)
    return tags, lost


def to_bio(parses: Sequence[Parse]) -> tuple[str, list[str]]:
    """CoNLL-style columns: a `# text = ...` line, then a word a line with one BIO column per task (the trigger
    tagged with the task type, the arguments with their roles), a blank line between instructions. Returns the
    text and the spans BIO cannot hold (a span overlapping another of its task), one note per instruction.

    Examples
    --------
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> [line.split() for line in to_bio([p])[0].splitlines()[1:]]
    [['pick', 'B-Picking'], ['the', 'O'], ['cup', 'B-Theme']]
    """
    blocks, notes = [], []
    for number, parse in enumerate(parses, start=1):
        columns = [_column(t, len(parse.tokens)) for t in parse.tasks] or [(["O"] * len(parse.tokens), [])]
        lost = [x for _, spans in columns for x in spans]
        if lost:
            notes.append(f"instruction {number}: not in BIO (overlaps its task): {', '.join(lost)}")
        rows = ["\t".join([word, *(tags[i] for tags, _ in columns)]) for i, word in enumerate(parse.tokens)]
        blocks.append("\n".join([f"# text = {parse.instruction}", *rows]) + "\n")
    return "\n".join(blocks), notes
