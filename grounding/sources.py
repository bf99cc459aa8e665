"""Reading YAML and JSON data files while remembering the line each mapping and list item came from."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from decoding.errors import DataError
from decoding.files import SafeYamlLoader, read_text

__all__ = ["LocatedDict", "LocatedList", "load_data", "load_model", "located", "at", "line_of"]


class LocatedDict(dict):
    """A mapping read from YAML: `line` is its own line, `key_lines[key]` the line of each key (1-based).

    Booleans are YAML 1.2's: `on`, `off`, `yes` and `no` stay strings.
    """

    line: int | None = None
    key_lines: dict


class LocatedList(list):
    """A list read from YAML: `line` is its own line, `item_lines[i]` the line of item i (1-based)."""

    line: int | None = None
    item_lines: list


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(f"line {line}: duplicate key {key!r}")
        self.line = line


class _LocatingLoader(SafeYamlLoader):
    """`yaml.SafeLoader` that builds `LocatedDict` / `LocatedList` and rejects duplicate keys."""


def _construct_mapping(loader: _LocatingLoader, node: yaml.MappingNode) -> LocatedDict:
    out = LocatedDict()
    out.line, out.key_lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LocatingLoader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList(loader.construct_object(item, deep=True) for item in node.value)
    out.line, out.item_lines = node.start_mark.line + 1, [item.start_mark.line + 1 for item in node.value]
    return out


# YAML 1.2 booleans: only true/false. YAML 1.1 also reads on/off/yes/no as booleans, which breaks
# `states: {on: false}` and `predicate: on`.
_BOOL = "tag:yaml.org,2002:bool"
_LocatingLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in SafeYamlLoader.yaml_implicit_resolvers.items()}
_LocatingLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_LocatingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LocatingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_data(path: str | Path, error: type[Exception] = DataError) -> object:
    """The data of a `.json` file, or of a YAML file with line numbers kept; bad syntax, or nesting too deep to
    read, raises `error` naming the file. A leading byte order mark is skipped.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.yaml"); _ = open(p, "w").write("a:\\n  b: 1\\n")
    >>> data = load_data(p); data["a"]["b"], data["a"].key_lines["b"]
    (1, 2)
    """
    try:
        text = read_text(path)
    except DataError as err:
        raise error(str(err)) from err
    is_json = str(path).endswith(".json")
    try:
        return _json(text, path, error) if is_json else _yaml(text, path, error)
    except RecursionError as err:
        # deeper than Python's stack: the JSON parser has no limit of its own, and PyYAML's constructors recurse
        # before libyaml's limit (1000 levels) is reached
        raise error(f"{path}: not {'JSON' if is_json else 'YAML'} (nesting too deep)") from err


def _json(text: str, path: str | Path, error: type[Exception]) -> object:
    try:
        return json.loads(text.removeprefix("\ufeff"))  # a byte order mark (Windows tools write one): not JSON's
    except json.JSONDecodeError as err:
        raise error(f"{path}:{err.lineno}: not JSON ({err.msg} at column {err.colno})") from err


def _yaml(text: str, path: str | Path, error: type[Exception]) -> object:
    try:
        return yaml.load(text, Loader=_LocatingLoader)  # noqa: S506 - a SafeLoader subclass: safe constructors only
    except _DuplicateKey as err:
        raise error(f"{path}:{err.line}: duplicate key {err.args[0].split('key ', 1)[1]}") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise error(f"{where}: not YAML ({getattr(err, 'problem', None) or err})") from err


def located(source: object, data: object, loc: Sequence[object] = ()) -> str:
    """`source:line` of the element of `data` on the path `loc`, or `source` alone when no line is known (JSON, or
    data built in Python)."""
    return at(source, line_of(data, loc))


def at(source: object, line: int | None) -> str:
    """`source:line`, or `source` alone when the line is not known."""
    return f"{source}:{line}" if line is not None else str(source)


def line_of(data: object, loc: Sequence[object]) -> int | None:
    """The line of the deepest element of `data` on the path `loc` (keys and list indexes) whose line is known."""
    line = getattr(data, "line", None)
    for step in loc:
        if isinstance(data, LocatedDict) and step in data:
            line, data = data.key_lines.get(step, line), data[step]
        elif isinstance(data, LocatedList) and isinstance(step, int) and 0 <= step < len(data):
            line, data = data.item_lines[step], data[step]
        else:
            break
        line = getattr(data, "line", None) or line
    return line


def load_model(model: type, path: str | Path, error: type[Exception], what: str = "field"):
    """Read `path` and validate it as the pydantic `model`; the first problem raises `error` naming the file, the
    line and the field."""
    from pydantic import ValidationError

    data = load_data(path, error)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise error(f"{located(path, data, first['loc'])}: {what} {field}: {first['msg']}") from err

