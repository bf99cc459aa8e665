"""Reading and writing files safely: atomic writes and JSONL of parses with line-numbered errors."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import yaml
from pydantic import ValidationError

from .errors import DataError, TageError
from .parse import Parse

__all__ = ["replacing", "write_atomic", "read_text", "read_json", "read_jsonl", "read_parses", "write_parses",
           "describe_validation", "sha256_file", "synced", "SafeYamlLoader", "SafeYamlDumper"]

# libyaml's scanner when PyYAML has it (~10x faster); the constructor stays PyYAML's *safe* one either way.
SafeYamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml's emitter likewise (the same text as PyYAML's for the project's scenes; a 20,000-object scene in 5 s, not
# 30): the representer stays the safe one.
SafeYamlDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@contextmanager
def replacing(path: str | Path) -> Iterator[BinaryIO]:
    """A new binary file that replaces `path` when the block ends without an error: written beside it, synced and
    renamed into place, so a reader (or a run killed at any moment) sees the old file or the new one, never half.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with replacing(target) as f:
    ...     _ = f.write(b"whole")
    >>> target.read_text()
    'whole'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write `content` to `path` through a temporary file renamed into place, so a reader never sees half a file."""
    data = content.encode("utf-8") if isinstance(content, str) else content  # before the file exists: may raise
    with replacing(path) as f:
        f.write(data)


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def synced(path: str | Path) -> None:
    """Flush a written file, or every file of a folder, to disk (before a rename makes it current)."""
    path = Path(path)
    for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if file.is_file():
            fd = os.open(file, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _create_beside(path: Path) -> tuple[int, Path]:
    # Created with mode 0o666, which the kernel narrows by the process's umask: the mode open() would give, read
    # without os.umask() (setting it to read it back races with every other thread creating files).
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp


def read_text(path: str | Path) -> str:
    """The UTF-8 text of `path`, or a `DataError` naming the file and why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from err
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err


def read_json(path: str | Path, kind: type, what: str, error: type[TageError] = DataError) -> object:
    """The JSON value of `path`, which must be a `kind` (dict, list); otherwise `error` names the file and the
    problem, `what` saying what the file should hold ("a Label Studio JSON export is a list of tasks")."""
    try:
        value = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise error(f"{path}: not JSON ({err.msg} at line {err.lineno} column {err.colno})") from err
    except RecursionError as err:
        raise error(f"{path}: JSON nested too deeply to read") from err
    if not isinstance(value, kind):
        raise error(f"{path}: {what}, not a {type(value).__name__}")
    return value


def read_jsonl(path: str | Path) -> list[tuple[int, object]]:
    """(line number, decoded JSON) for every non-blank line of `path`."""
    rows = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as err:
            raise DataError(f"{path}:{number}: not JSON ({err.msg} at column {err.colno})") from err
        except RecursionError as err:
            raise DataError(f"{path}:{number}: JSON nested too deeply to read") from err
    return rows


def describe_validation(err: ValidationError) -> str:
    """A one-line account of a pydantic error: where in the object and what is wrong."""
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "parse"
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def read_parses(path: str | Path) -> list[Parse]:
    """Every line of a JSONL file as a `Parse`; the first bad line raises a `DataError` naming it."""
    parses = []
    for number, obj in read_jsonl(path):
        try:
            parses.append(Parse.model_validate(obj))
        except ValidationError as err:
            raise DataError(f"{path}:{number}: not a valid Parse: {describe_validation(err)}") from err
    return parses


def write_parses(path: str | Path, parses: Iterable[Parse]) -> None:
    """Write parses as JSONL, atomically."""
    write_atomic(path, "".join(p.model_dump_json(exclude_none=True) + "\n" for p in parses))
