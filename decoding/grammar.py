"""The output grammar: which decision sequences are valid parses for a task / role inventory.

The inventory (`OutputSpec`) is plain data: task types, the roles each allows, the roles each requires, bounds.
It is compiled with outlines-core into an `Index` over the decoder's own action vocabulary (one token per
decision: STOP, END, each task type, role and class, and WORD for a pointer to a word), kept as a plain table of
transitions (`Automaton`) and cached on disk as JSON by the inventory's hash (no pickle: a cache file is data,
checked against the regex's and its own sha256 before use). Two constraints depend on what was already decoded and
on the instruction, not on the inventory, and are applied as a mask beside the index: a pointer must name a word of
this instruction and a span cannot end before it starts; and an argument is refused when its task already has the
same role on the same span, and END when a required role is missing. (A regex for "each required role, in any order"
grows with the number of orders of the roles, up to 8! per task type; the mask costs a set lookup.) So all pointers
are one token to the index: a token per word position made the index 128 times larger (3.5 MB), slower to compile
and to load, for nothing the index could check.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DecodingError
from .files import write_atomic

__all__ = ["OutputSpec", "ActionSpace", "Grammar", "Automaton"]

_BASE = 0x4E00  # actions are spelt as single CJK characters, so an action sequence is a string to a regex


@dataclass(frozen=True)
class OutputSpec:
    """What a parse may contain: `roles[type]` the roles a task of that type allows; `required[type]` role
    groups it must name (one role of each group at least)."""

    roles: dict[str, tuple[str, ...]]
    required: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    max_tasks: int = 12
    max_arguments: int = 8

    def __post_init__(self):
        if not self.roles:
            raise DecodingError("the output inventory has no task type: no parse could be produced")
        for task_type, roles in self.roles.items():
            missing = {r for group in self.required.get(task_type, ()) for r in group} - set(roles)
            if missing:
                raise DecodingError(f"task type {task_type!r} requires role(s) {sorted(missing)} it does not allow")
        unknown = set(self.required) - set(self.roles)
        if unknown:
            raise DecodingError(f"required roles given for unknown task type(s) {sorted(unknown)}")

    def problems(self, parse) -> list[str]:
        """What in `parse` (a `decoding.parse.Parse`) this inventory does not allow; empty when it conforms."""
        found = [] if len(parse.tasks) <= self.max_tasks else [f"{len(parse.tasks)} tasks, over {self.max_tasks}"]
        for i, task in enumerate(parse.tasks):
            if task.type not in self.roles:
                found.append(f"task {i}: task type {task.type!r} is not in the inventory")
                continue
            roles = [a.role for a in task.arguments]
            found += [f"task {i} ({task.type}): role {r!r} not allowed"
                      for r in roles if r not in self.roles[task.type]]
            found += [f"task {i} ({task.type}): names none of {list(g)}"
                      for g in self.required.get(task.type, ()) if not set(g) & set(roles)]
            spans = [(a.role, a.span.start, a.span.end) for a in task.arguments]
            if len(set(spans)) != len(spans):
                found.append(f"task {i} ({task.type}): the same role twice on the same span")
            if len(roles) > self.max_arguments:
                found.append(f"task {i} ({task.type}): {len(roles)} arguments, over {self.max_arguments}")
        return found

    def digest(self) -> str:
        """A hash of the inventory: the key of the compiled index in the cache."""
        data = {"roles": {k: sorted(v) for k, v in sorted(self.roles.items())},
                "required": {k: sorted(map(sorted, v)) for k, v in sorted(self.required.items())},
                "max_tasks": self.max_tasks, "max_arguments": self.max_arguments}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class ActionSpace:
    """Action ids: 0 STOP (the end of output), 1 END (of a task's arguments), then types, roles, classes, and
    WORD, a pointer to any word (which words, the instruction decides: see the module's docstring)."""

    STOP, END = 0, 1

    def __init__(self, task_types, roles, classes):
        self.task_types, self.roles, self.classes = list(task_types), list(roles), list(classes)
        self.type0 = 2
        self.role0 = self.type0 + len(self.task_types)
        self.class0 = self.role0 + len(self.roles)
        self.word = self.class0 + len(self.classes)
        self.size = self.word + 1

    def char(self, action: int) -> str:
        return chr(_BASE + action)

    def range_class(self, first: int, count: int) -> str:
        return f"[{self.char(first)}-{self.char(first + count - 1)}]"


class Grammar:
    """The compiled index of an `OutputSpec` over an `ActionSpace`, with a state -> allowed actions cache."""

    def __init__(self, spec: OutputSpec, space: ActionSpace, cache_dir: str | Path | None = None):
        self.spec, self.space = spec, space
        self.automaton = _load_or_compile(self._regex(), space, cache_dir,
                                          f"{spec.digest()}-{_space_digest(space)}")
        self.start = self.automaton.start
        self._allowed: dict[int, frozenset[int]] = {}
        self._ranges: dict[tuple[int, int], tuple[int, ...]] = {}

    def _regex(self) -> str:
        s, sp = self.space, self.spec
        unknown = set(sp.roles) - set(s.task_types)
        if unknown:
            raise DecodingError(f"task type(s) {sorted(unknown)} are not in the model's label set")
        word = s.char(s.word)
        cls = s.range_class(s.class0, len(s.classes))
        tasks = []
        for task_type, roles in sorted(sp.roles.items()):
            bad = set(roles) - set(s.roles)
            if bad:
                raise DecodingError(f"role(s) {sorted(bad)} of {task_type!r} are not in the model's label set")
            role = "[" + "".join(s.char(s.role0 + s.roles.index(r)) for r in sorted(roles)) + "]" if roles else None
            args = f"({role}{word}{word}{cls}){{0,{sp.max_arguments}}}" if role else ""
            tasks.append(f"{s.char(s.type0 + s.task_types.index(task_type))}{word}{word}{args}{s.char(s.END)}")
        return f"({'|'.join(tasks)}){{0,{sp.max_tasks}}}"

    def allowed(self, state: int) -> frozenset[int]:
        """Actions the index allows in `state` (STOP only where the output may end)."""
        if state not in self._allowed:
            a = self.automaton
            self._allowed[state] = frozenset(a.moves.get(state, ())) | (
                {self.space.STOP} if state in a.finals else frozenset())
        return self._allowed[state]

    def allowed_range(self, state: int, first: int, count: int) -> tuple[int, ...]:
        """The allowed actions among `first`..`first + count - 1`, as offsets from `first` (cached)."""
        key = (state, first)
        if key not in self._ranges:
            self._ranges[key] = tuple(sorted(a - first for a in self.allowed(state) if first <= a < first + count))
        return self._ranges[key]

    def advance(self, state: int, action: int) -> int:
        nxt = self.automaton.moves.get(state, {}).get(action)
        if nxt is None:
            raise DecodingError(f"action {action} is not allowed in grammar state {state}")
        return nxt


def _space_digest(space: ActionSpace) -> str:
    data = [space.task_types, space.roles, space.classes, space.size]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]


def _vocabulary(space: ActionSpace):
    from outlines_core import Vocabulary

    # STOP is the index's end-of-sequence token; every other action is a one-character token
    return Vocabulary(space.STOP, {space.char(a): [a] for a in range(1, space.size)})


@dataclass(frozen=True)
class Automaton:
    """The compiled grammar as data: the start state, the accepting states and state -> action -> next state."""

    start: int
    finals: frozenset[int]
    moves: dict[int, dict[int, int]]

    @classmethod
    def of_index(cls, index) -> Automaton:
        """The automaton of an outlines-core `Index`."""
        return cls(index.get_initial_state(), frozenset(index.get_final_states()),
                   {int(s): {int(a): int(n) for a, n in moves.items()} for s, moves in index.get_transitions().items()})

    def to_json(self) -> str:
        return json.dumps({"start": self.start, "finals": sorted(self.finals),
                           "moves": {str(s): [[a, n] for a, n in sorted(m.items())] for s, m in self.moves.items()}},
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Automaton:
        data = json.loads(text)
        return cls(int(data["start"]), frozenset(int(f) for f in data["finals"]),
                   {int(s): {int(a): int(n) for a, n in m} for s, m in data["moves"].items()})


_MAGIC = "TAGE-GRAMMAR-2"


def _load_or_compile(regex: str, space: ActionSpace, cache_dir, key: str) -> Automaton:
    """The automaton of `regex`, from `cache_dir/grammar-KEY.json` when that file holds exactly this regex's."""
    path = Path(cache_dir) / f"grammar-{key}.json" if cache_dir else None
    regex_hash = hashlib.sha256(regex.encode()).hexdigest()
    if path is not None and path.is_file():
        automaton = _read_cached(path, regex_hash)
        if automaton is not None:
            return automaton
    from outlines_core import Index

    automaton = Automaton.of_index(Index(regex, _vocabulary(space)))
    if path is not None:
        _store(path, regex_hash, automaton)
    return automaton


def _read_cached(path: Path, regex_hash: str) -> Automaton | None:
    """The cached automaton, or None (with a warning) when the file is stale, damaged or unreadable."""
    try:
        magic, stored_regex, digest, payload = path.read_text(encoding="utf-8").split("\n", 3)
    except (OSError, UnicodeDecodeError, ValueError):
        magic = stored_regex = digest = payload = ""
    if magic != _MAGIC or stored_regex != regex_hash:
        warnings.warn(f"{path}: cached grammar is stale; rebuilding it", stacklevel=4)
    elif hashlib.sha256(payload.encode()).hexdigest() != digest:
        warnings.warn(f"{path}: cached grammar is corrupt; rebuilding it", stacklevel=4)
    else:
        try:
            return Automaton.from_json(payload)
        except (ValueError, KeyError, TypeError, AttributeError):
            warnings.warn(f"{path}: cached grammar is corrupt; rebuilding it", stacklevel=4)
    return None


def _store(path: Path, regex_hash: str, automaton: Automaton) -> None:
    payload = automaton.to_json()
    digest = hashlib.sha256(payload.encode()).hexdigest()
    try:
        write_atomic(path, f"{_MAGIC}\n{regex_hash}\n{digest}\n{payload}")
    except OSError as err:  # a read-only cache is not an error: the grammar is compiled each time instead
        warnings.warn(f"{path}: cannot cache the compiled grammar ({err.strerror})", stacklevel=4)
