"""Reading annotation inputs item by item, so one bad line is reported and the rest of the file still read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from decoding.errors import DataError
from decoding.files import describe_validation
from decoding.parse import Parse

from .problems import Problems

if TYPE_CHECKING:
    from decoding.parser import Words

__all__ = ["decoded_text", "is_utf8", "read_lines", "read_parse_lines", "read_instructions", "INSTRUCTION_FIELDS"]

INSTRUCTION_FIELDS = ("instruction", "input", "text")  # where a JSONL object or a CSV row keeps the instruction


def decoded_text(path: str | Path) -> str:
    """The text of `path`, with bytes that are not UTF-8 kept as lone surrogates (see `is_utf8`)."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from err
    # Undecodable bytes become lone surrogates, so each line can be judged on its own.
    return data.decode("utf-8", errors="surrogateescape")


def is_utf8(text: str) -> bool:
    """Whether `text` (from `decoded_text`) came from valid UTF-8."""
    return not any("\udc80" <= ch <= "\udcff" for ch in text)


def read_lines(path: str | Path, problems: Problems) -> list[tuple[int, str]]:
    """(line number, text) of every non-blank line; lines that are not UTF-8 go to `problems`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "in.txt"
    >>> _ = f.write_bytes(b"pick the cup\\n\\nbad \\xff\\n")
    >>> found = Problems(str(f))
    >>> read_lines(f, found), [p.message for p in found.items]
    ([(1, 'pick the cup')], ['not UTF-8 text'])
    """
    rows = []
    for number, line in enumerate(decoded_text(path).splitlines(), start=1):
        if not is_utf8(line):
            problems.add(f"line {number}", "not UTF-8 text")
        elif line.strip():
            rows.append((number, line))
    return rows


def _json_lines(path: str | Path, problems: Problems) -> list[tuple[int, object]]:
    rows = []
    for number, line in read_lines(path, problems):
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as err:
            problems.add(f"line {number}", f"not JSON ({err.msg} at column {err.colno})")
    return rows


def read_parse_lines(path: str | Path, problems: Problems) -> list[tuple[int, Parse]]:
    """(line number, `Parse`) of every valid line of a JSONL file; the other lines go to `problems`."""
    parses = []
    for number, obj in _json_lines(path, problems):
        try:
            parses.append((number, Parse.model_validate(obj)))
        except ValidationError as err:
            problems.add(f"line {number}", f"not a valid Parse: {describe_validation(err)}")
    return parses


def read_instructions(path: str | Path, problems: Problems) -> list[Words]:
    """The instructions of a .txt (one a line), .jsonl (a string, or an object with an instruction field, its
    `tokens` and `offsets` kept when present) or .csv file (a column named like `INSTRUCTION_FIELDS`)."""
    from decoding.parser import Words  # imports torch: only once instructions are read

    suffix = Path(path).suffix.lower()
    if suffix == ".txt":
        return [Words.of(line.strip()) for _, line in read_lines(path, problems)]
    if suffix == ".jsonl":
        return [w for number, obj in _json_lines(path, problems) if (w := _json_words(obj, number, problems))]
    if suffix == ".csv":
        return _csv_words(path, problems)
    raise DataError(f"{path}: unknown input format {suffix!r}; expected .txt, .jsonl or .csv")


def _json_words(obj: object, number: int, problems: Problems) -> Words | None:
    from decoding.parser import Words

    if isinstance(obj, str):
        return Words.of(obj)
    field = next((f for f in INSTRUCTION_FIELDS if isinstance(obj, dict) and isinstance(obj.get(f), str)), None)
    if field is None:
        problems.add(f"line {number}", f"neither a string nor an object with one of {', '.join(INSTRUCTION_FIELDS)}")
        return None
    if "tokens" in obj and "offsets" in obj:
        return Words(obj[field], tuple(obj["tokens"]), tuple(map(tuple, obj["offsets"])))
    return Words.of(obj[field])


def _csv_words(path: str | Path, problems: Problems) -> list[Words]:
    from decoding.parser import Words

    reader = csv.DictReader(io.StringIO(decoded_text(path), newline=""))
    field = next((f for f in INSTRUCTION_FIELDS if f in (reader.fieldnames or ())), None)
    if field is None:
        raise DataError(f"{path}:1: header has no column {' / '.join(INSTRUCTION_FIELDS)}")
    words, line = [], 2
    for row in reader:
        text = row.get(field)
        if text is None or not is_utf8(text):
            problems.add(f"line {line}", "no instruction in this row" if text is None else "not UTF-8 text")
        elif text.strip():
            words.append(Words.of(text))
        line = reader.line_num + 1
    return words
