"""Pre-annotation: the model's parses of raw instructions, written resumably in atomically renamed chunks."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from decoding.files import replacing
from decoding.parse import Parse

from .problems import AnnotationError

if TYPE_CHECKING:
    from decoding.parser import Words

__all__ = ["PreResult", "pre_annotate", "done_lines", "append_atomic", "remove_stale_temporaries", "DEFAULT_BATCH",
           "DEFAULT_CHUNK"]

DEFAULT_BATCH = 64   # instructions per parse_many call
DEFAULT_CHUNK = 256  # lines per atomic write: what a killed run may lose at most


@dataclass(frozen=True)
class PreResult:
    """What one run did: lines found done, lines written, and the time spent parsing."""

    total: int
    skipped: int
    written: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.written / self.seconds if self.seconds else 0.0


def done_lines(out: str | Path, items: Sequence[Words]) -> int:
    """How many leading items `out` already holds; raises `AnnotationError` if it holds other instructions.

    Examples
    --------
    >>> from decoding.parser import Words
    >>> done_lines("/nonexistent/out.jsonl", [Words("a", ("a",), ((0, 1),))])
    0
    """
    path = Path(out)
    if not path.exists():
        return 0
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) > len(items):
        raise AnnotationError(f"{out}: {len(lines)} lines, more than the {len(items)} instructions of the input")
    for number, (line, words) in enumerate(zip(lines, items, strict=False), start=1):
        instruction = _instruction_of(line)
        if instruction != words.instruction:
            raise AnnotationError(f"{out}:{number}: holds {instruction!r}, not the input's {words.instruction!r}: "
                                  "is it the output of another input? Remove it or choose another -o")
    return len(lines)


def _instruction_of(line: str) -> str | None:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    return obj.get("instruction") if isinstance(obj, dict) else None


def remove_stale_temporaries(out: str | Path) -> None:
    """Remove the temporary files of `append_atomic` that a run killed mid-write left beside `out`."""
    for stale in Path(out).parent.glob(f".{Path(out).name}.*.tmp"):
        stale.unlink(missing_ok=True)


def append_atomic(path: str | Path, text: str) -> None:
    """Append `text` to `path` by writing old content plus `text` to a temporary file renamed over `path`: a
    reader, or a run killed at any moment, sees the old file or the new one, never a torn line."""
    path = Path(path)
    with replacing(path) as f:
        if path.exists():
            with path.open("rb") as old:
                shutil.copyfileobj(old, f)
        f.write(text.encode("utf-8"))


def pre_annotate(items: Sequence[Words], out: str | Path, parse_many: Callable[[list[Words]], list[Parse]],
                 batch: int = DEFAULT_BATCH, chunk: int = DEFAULT_CHUNK,
                 progress: Callable[[int], None] | None = None) -> PreResult:
    """Parse `items` into the JSONL file `out`, one `Parse` a line in input order, skipping the lines a
    previous run wrote; every `chunk` lines are appended atomically (`append_atomic`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from agent.defaults import rule_parser
    >>> from decoding.parser import Words
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "pre.jsonl"
    >>> items = [Words.of("pick up the cup"), Words.of("go to the kitchen")]
    >>> pre_annotate(items, out, rule_parser().parse_many, chunk=1).written
    2
    >>> pre_annotate(items, out, rule_parser().parse_many).skipped
    2
    """
    if batch < 1 or chunk < 1:
        raise ValueError(f"batch ({batch}) and chunk ({chunk}) must be at least 1")
    skipped = done_lines(out, items)
    remove_stale_temporaries(out)
    started = time.perf_counter()
    for start in range(skipped, len(items), chunk):
        part = list(items[start : start + chunk])
        parses = _parse_batches(part, parse_many, batch, progress)
        append_atomic(out, "".join(p.model_dump_json(exclude_none=True) + "\n" for p in parses))
    return PreResult(len(items), skipped, len(items) - skipped, time.perf_counter() - started)


def _parse_batches(part: list[Words], parse_many, batch: int, progress) -> list[Parse]:
    parses: list[Parse] = []
    for k in range(0, len(part), batch):
        parses += parse_many(part[k : k + batch])
        if progress is not None:
            progress(min(batch, len(part) - k))
    return parses
