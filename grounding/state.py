"""The world state a plan changes, and the one meaning of every predicate and effect in it (planner and simulator).

The scene graph stays as loaded; the state is an overlay of what changed (where the robot stands, what it holds,
where moved objects are now, fluents such as `opened`), so copying it costs what changed, not the scene.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .lexicon import Lexicon
from .predicates import Literal
from .scene import AgentState, Node, SceneGraph

__all__ = ["WorldState", "STATE_KEYS"]

# fluent -> the key of a node's `states` in the scene file that holds its value there
STATE_KEYS = {"opened": "open", "switched_on": "on", "sliced": "sliced"}


@dataclass
class WorldState:
    """Where the robot is and what changed in `scene` since it was loaded.

    Examples
    --------
    >>> from grounding import SceneGraph, default_lexicon
    >>> scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "agent": {"room": "k"},
    ...     "objects": [{"id": "mug_1", "class": "cup", "room": "k"}, {"id": "t", "class": "table", "room": "k"}],
    ...     "relations": [{"subject": "mug_1", "predicate": "on", "object": "t"}]})
    >>> state = WorldState.initial(scene, default_lexicon())
    >>> state.apply(Literal("near", ("x",)), {"x": "mug_1"}); state.apply(Literal("holding", ("x",)), {"x": "mug_1"})
    >>> state.at, state.location("mug_1"), state.holds(Literal("hand_empty"), {})
    ('t', 'held', False)
    """

    scene: SceneGraph
    lexicon: Lexicon
    at: str | None                     # the place the robot stands at (a room, furniture or person)
    room: str | None
    holding: str | None = None
    located: dict[str, str] = field(default_factory=dict)      # moved object -> what it is now on, in or with
    fluents: dict[tuple, bool] = field(default_factory=dict)   # (predicate, node) -> value, once changed

    @classmethod
    def initial(cls, scene: SceneGraph, lexicon: Lexicon) -> WorldState:
        """The state of a freshly loaded scene: the robot where the scene puts it, nothing changed."""
        agent = scene.agent
        return cls(scene, lexicon, at=agent.near or agent.room, room=agent.room, holding=agent.holding)

    def copy(self) -> WorldState:
        """An independent state (the scene itself is shared: it never changes)."""
        return replace(self, located=dict(self.located), fluents=dict(self.fluents))

    def snapshot(self) -> dict[str, str | None]:
        """The robot's place, room and held object."""
        return {"robot_at": self.at, "room": self.room, "holding": self.holding}

    # -- truth ------------------------------------------------------------------------------------------------
    def holds(self, literal: Literal, args: dict[str, str]) -> bool:
        """Whether `literal` holds with its parameter names bound by `args` (an unbound name stands for itself)."""
        nodes = [args.get(a, a) for a in literal.args]
        return self._truth(literal.name, nodes) != literal.negated

    def _truth(self, name: str, nodes: list[str]) -> bool:
        x = nodes[0] if nodes else None
        if name == "hand_empty":
            return self.holding is None
        if name == "holding":
            return self.holding == x
        if name == "near":
            return self._near(x)
        if name in ("accessible", "enterable"):
            return self.blocker(x, itself=name == "enterable") is None
        if name == "located":
            return self.located.get(x) == nodes[1]
        if name == "with":
            return self._with(x, nodes[1])
        if name in ("person", "room"):
            return x in self.scene and self.scene[x].kind == name
        if name == "has":
            return x in self.scene and nodes[1] in self.lexicon.implied_affordances(tuple(self.scene[x].affordances))
        return self.fluent(name, x)

    def fluent(self, name: str, node: str) -> bool:
        """The value of a one-place fluent: as changed, else as the scene's `states` give it."""
        if (name, node) in self.fluents:
            return self.fluents[(name, node)]
        states = self.scene[node].states if node in self.scene else {}
        return bool(states.get(STATE_KEYS.get(name, name)))

    def _near(self, x: str) -> bool:
        if self.scene[x].kind == "room":
            return self.room == x
        return self.holding == x or self.at in (x, self.place(x))

    def _with(self, x: str, y: str) -> bool:
        """x is on, in or with y (placed or handed over, or so in the scene), or carried or put in room y."""
        if self.holding == x:
            return self.scene[y].kind == "room" and self.room == y
        if x in self.located:
            return y in (self.located[x], self.scene.room_of(self.located[x]))
        return self.scene.holds(x, ("on", "in"), y)

    def place(self, node: str) -> str:
        """Where the robot stands to reach `node` now."""
        if self.holding == node:
            return self.at
        if node in self.located:
            return self.place(self.located[node])
        return self.scene.place_of(node)

    def blocker(self, node: str, itself: bool = False) -> str | None:
        """The closed container that keeps `node` out of reach: one that `node`, or what it stands on, is in (a cup
        the scene puts on a closed microwave is within reach); with `itself`, a closed receptacle blocks what is
        put into it, so it is its own blocker (a closed box is picked up as it is, but opened to put a watch in)."""
        receives = "receptacle" in self.lexicon.implied_affordances(tuple(self.scene[node].affordances))
        chain = [node] if itself and receives else []   # a container too
        chain += [self.located[node]] if node in self.located else self.scene.supports(node)
        below = node
        for c in chain:
            inside = c == node or self.located.get(node) == c or c in self.scene.related(below, "in")
            if inside and "openable" in self.scene[c].affordances and not self.fluent("opened", c):
                return c
            below = c
        return None

    def why(self, literal: Literal, args: dict[str, str]) -> str:
        """A parenthesised reason a literal fails, where the state tells one ("" otherwise)."""
        if literal.name == "hand_empty":
            return f" (the robot holds {self.holding})"
        if literal.name == "holding":
            return f" (the robot holds {self.holding or 'nothing'})"
        if literal.name in ("accessible", "enterable"):
            node = args[literal.args[0]]
            blocker = self.blocker(node, itself=literal.name == "enterable")
            if blocker == node:
                return f" ({node} is closed)"
            return f" ({node} is in {blocker}, which is closed)" if blocker else ""
        if literal.name == "near":
            return f" (the robot is at {self.at or 'an unknown place'})"
        return ""

    # -- change -----------------------------------------------------------------------------------------------
    def apply(self, effect: Literal, args: dict[str, str]) -> None:
        """Make the effect literal hold (its parameter names bound by `args`)."""
        nodes = [args[a] for a in effect.args]
        if effect.name == "holding":
            self.holding = None if effect.negated else nodes[0]
            if not effect.negated:
                self.located.pop(nodes[0], None)
        elif effect.name == "near":
            self.at, self.room = self.place(nodes[0]), self.scene.room_of(nodes[0])
        elif effect.name == "located":
            self.located[nodes[0]] = nodes[1]
        else:
            self.fluents[(effect.name, nodes[0])] = not effect.negated

    # -- reading ----------------------------------------------------------------------------------------------
    def location(self, node: str) -> str:
        """Where an object is, in words: ``held``, ``on table_1``, ``in fridge_1``, ``with user`` or its room."""
        if self.holding == node:
            return "held"
        if node in self.located:
            return self._relation(node, self.located[node])
        for parent in sorted(self.scene.related(node, "on") | self.scene.related(node, "in")):
            return self._relation(node, parent)
        return f"in {self.scene.room_of(node)}"

    def _relation(self, node: str, parent: str) -> str:
        target = self.scene[parent]
        if target.kind == "person":
            return f"with {parent}"
        inside = node not in self.located and parent in self.scene.related(node, "in")
        return f"{'in' if inside or 'openable' in target.affordances else 'on'} {parent}"

    def to_scene(self) -> SceneGraph:
        """A new scene graph with every change applied: moved objects, states, the robot's room, place and hold."""
        nodes = [self._node(n) for n in self.scene.nodes.values() if n.kind != "agent"]
        moved = set(self.located) | ({self.holding} if self.holding else set())
        relations = [r for r in self.scene.asserted if not (r[0] in moved and r[1] in ("on", "in"))]
        relations += [(x, self._relation(x, y).split()[0], y) for x, y in self.located.items()
                      if self.scene[y].kind != "person"]
        old = self.scene.agent
        agent = AgentState(old.id, self.room, self._position(self.at), self.holding, self.at)
        nodes.append(replace(self.scene[old.id], room=self.room, position=agent.position))
        return SceneGraph(nodes, relations, agent, self.scene.near_threshold, self.scene.name)

    def _node(self, node: Node) -> Node:
        states = dict(node.states)
        for (name, n), value in self.fluents.items():
            if n == node.id and name in STATE_KEYS:
                states[STATE_KEYS[name]] = value
        if node.id == self.holding:
            return replace(node, states=states, room=self.room, position=self._position(self.at))
        if node.id in self.located:
            where = self.located[node.id]
            attributes = dict(node.attributes) | ({"with": where} if self.scene[where].kind == "person" else {})
            return replace(node, states=states, attributes=attributes, room=self.scene.room_of(where),
                           position=self._position(where))
        return replace(node, states=states) if states != node.states else node

    def _position(self, node: str | None) -> tuple[float, float, float] | None:
        return self.scene[node].position if node in self.scene else None
