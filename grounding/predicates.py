"""The declarative predicate language of skill preconditions, effects, step conditions and goals (`achieves`).

A literal is ``[not] name(arg, ...)`` or a bare ``name``; its arguments name parameters of the skill. Fluents change
as a plan runs (`holding`, `near`, `opened` ...); derived ones are computed from fluents (`hand_empty`,
`accessible`, `enterable`, `with`); static ones are facts of the scene (`person`, `room`, `has`). Only fluents may be
effects.
What each predicate means in a state, and what each effect does, is `grounding.state.WorldState`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Literal", "PREDICATES", "FLUENTS", "parse_literal"]

# name -> number of arguments. `has(x, a)` takes an affordance name as its second, literal argument.
PREDICATES: dict[str, int] = {
    "holding": 1,      # the robot holds x
    "near": 1,         # the robot stands at x's place (the furniture x is on or in, or x itself)
    "opened": 1,       # x (openable) is open
    "switched_on": 1,  # x (toggleable) is on
    "located": 2,      # x is on or in y (after a place or hand-over)
    "following": 1,    # the robot follows person x
    "sliced": 1,       # x has been cut
    "observed": 1,     # the robot has looked at x or found it
    "hand_empty": 0,   # derived: the robot holds nothing
    "accessible": 1,   # derived: x is not inside a closed container
    "enterable": 1,    # derived: x is accessible and, if it opens, open: something can be put on or in it
    "with": 2,         # derived: x is on, in or with y (placed, handed over or so in the scene), or carried into room y
    "person": 1,       # static: x is a person
    "room": 1,         # static: x is a room
    "has": 2,          # static: x has affordance a
}
FLUENTS = frozenset({"holding", "near", "opened", "switched_on", "located", "following", "sliced", "observed"})
_LITERAL = re.compile(r"^\s*(not\s+)?([a-z_]+)\s*(?:\(([^()]*)\))?\s*$")


@dataclass(frozen=True)
class Literal:
    """One (possibly negated) predicate applied to parameter names."""

    name: str
    args: tuple[str, ...] = ()
    negated: bool = False

    def __str__(self) -> str:
        call = f"{self.name}({', '.join(self.args)})" if self.args else self.name
        return f"not {call}" if self.negated else call


def parse_literal(text: str, parameters: set[str], effect: bool = False) -> Literal:
    """Read one literal; raises `ValueError` naming the problem (unknown predicate, arity, unknown parameter).

    Examples
    --------
    >>> parse_literal("not holding(object)", {"object"})
    Literal(name='holding', args=('object',), negated=True)
    """
    m = _LITERAL.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{text!r} is not a literal like 'holding(object)' or 'not opened(container)'")
    negated, name = bool(m.group(1)), m.group(2)
    args = tuple(a.strip() for a in m.group(3).split(",")) if m.group(3) and m.group(3).strip() else ()
    if name not in PREDICATES:
        raise ValueError(f"unknown predicate {name!r} in {text!r} (known: {', '.join(sorted(PREDICATES))})")
    if len(args) != PREDICATES[name]:
        raise ValueError(f"{name} takes {PREDICATES[name]} argument(s), {text!r} gives {len(args)}")
    if effect and name not in FLUENTS:
        raise ValueError(f"{name!r} cannot be an effect: only {', '.join(sorted(FLUENTS))} change")
    names = args[:1] if name == "has" else args
    unknown = [a for a in names if a not in parameters]
    if unknown:
        raise ValueError(f"{text!r} names {unknown[0]!r}, which is not a parameter "
                         f"(parameters: {', '.join(sorted(parameters)) or 'none'})")
    return Literal(name, args, negated)
