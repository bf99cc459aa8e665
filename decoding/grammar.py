"""The output grammar: which decision sequences are valid parses for a task / role inventory.

The inventory (`OutputSpec`) is plain data: task types, the roles each allows, the roles each requires, bounds.
It is compiled with outlines-core into an `Index` over the decoder's own action vocabulary (one token per
decision: STOP, END, each task type, role and class, and WORD for a pointer to a word), kept as a plain table of
transitions (`Automaton`) and cached on disk as a NumPy array by the inventory's hash (no pickle: a cache file is data,
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
import io
import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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
            self._allowed[state] = frozenset(a.moves(state)) | (
                {self.space.STOP} if state in a.finals else frozenset())
        return self._allowed[state]

    def allowed_range(self, state: int, first: int, count: int) -> tuple[int, ...]:
        """The allowed actions among `first`..`first + count - 1`, as offsets from `first` (cached)."""
        key = (state, first)
        if key not in self._ranges:
            self._ranges[key] = tuple(sorted(a - first for a in self.allowed(state) if first <= a < first + count))
        return self._ranges[key]

    def advance(self, state: int, action: int) -> int:
        nxt = self.automaton.moves(state).get(action)
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


class Automaton:
    """The compiled grammar as data: the start state, the accepting states, and every transition (state, action,
    next state) in three arrays sorted by state. A state's moves become a dict the first time they are asked for:
    loading is reading three arrays, whatever the size of the grammar."""

    def __init__(self, start: int, finals: Iterable[int], transitions: np.ndarray) -> None:
        self.start, self.finals = int(start), frozenset(int(f) for f in finals)
        order = np.lexsort((transitions[:, 1], transitions[:, 0]))
        self.transitions = np.ascontiguousarray(transitions[order], dtype=np.int64)  # (T, 3)
        self._moves: dict[int, dict[int, int]] = {}

    @classmethod
    def of_index(cls, index) -> Automaton:
        """The automaton of an outlines-core `Index`."""
        rows = [(s, a, n) for s, moves in index.get_transitions().items() for a, n in moves.items()]
        return cls(index.get_initial_state(), index.get_final_states(), np.array(rows, dtype=np.int64).reshape(-1, 3))

    def moves(self, state: int) -> dict[int, int]:
        """action -> next state, for the actions allowed in `state` (STOP aside)."""
        if state not in self._moves:
            states = self.transitions[:, 0]
            lo, hi = np.searchsorted(states, state, "left"), np.searchsorted(states, state, "right")
            self._moves[state] = dict(self.transitions[lo:hi, 1:].tolist())
        return self._moves[state]

    def to_bytes(self) -> bytes:
        """The automaton as one .npy array (no pickle): start, the number of finals, the finals, the transitions."""
        head = np.array([self.start, len(self.finals), *sorted(self.finals)], dtype=np.int64)
        out = io.BytesIO()
        np.save(out, np.concatenate([head, self.transitions.ravel()]), allow_pickle=False)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Automaton:
        flat = np.load(io.BytesIO(data), allow_pickle=False)
        if flat.dtype != np.int64 or flat.ndim != 1 or len(flat) < 2 or (len(flat) - 2 - int(flat[1])) % 3:
            raise ValueError("not a grammar automaton")
        n_finals = int(flat[1])
        return cls(int(flat[0]), flat[2 : 2 + n_finals].tolist(), flat[2 + n_finals :].reshape(-1, 3))


_MAGIC = b"TAGE-GRAMMAR-3\n"


def _load_or_compile(regex: str, space: ActionSpace, cache_dir, key: str) -> Automaton:
    """The automaton of `regex`, from `cache_dir/grammar-KEY.npy` when that file holds exactly this regex's."""
    path = Path(cache_dir) / f"grammar-{key}.npy" if cache_dir else None
    regex_hash = hashlib.sha256(regex.encode()).digest()
    if path is not None and path.is_file():
        automaton = _read_cached(path, regex_hash)
        if automaton is not None:
            return automaton
    from outlines_core import Index

    automaton = Automaton.of_index(Index(regex, _vocabulary(space)))
    if path is not None:
        _store(path, regex_hash, automaton)
    return automaton


def _read_cached(path: Path, regex_hash: bytes) -> Automaton | None:
    """The cached automaton, or None (with a warning) when the file is stale, damaged or unreadable: a header, the
    regex's sha256, the payload's sha256, the payload (`Automaton.to_bytes`)."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    head = len(_MAGIC)
    payload = data[head + 64 :]
    if data[:head] != _MAGIC or data[head : head + 32] != regex_hash:
        warnings.warn(f"{path}: cached grammar is stale; rebuilding it", stacklevel=4)
    elif hashlib.sha256(payload).digest() != data[head + 32 : head + 64]:
        warnings.warn(f"{path}: cached grammar is corrupt; rebuilding it", stacklevel=4)
    else:
        try:
            return Automaton.from_bytes(payload)
        except ValueError:
            warnings.warn(f"{path}: cached grammar is corrupt; rebuilding it", stacklevel=4)
    return None


def _store(path: Path, regex_hash: bytes, automaton: Automaton) -> None:
    payload = automaton.to_bytes()
    try:
        write_atomic(path, _MAGIC + regex_hash + hashlib.sha256(payload).digest() + payload)
    except OSError as err:  # a read-only cache is not an error: the grammar is compiled each time instead
        warnings.warn(f"{path}: cannot cache the compiled grammar ({err.strerror})", stacklevel=4)
