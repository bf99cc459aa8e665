"""Pictures of scene graphs before and after an instruction: rooms as groups, objects as nodes, what moved marked."""

from __future__ import annotations

import math
from pathlib import Path

from grounding import SceneGraph

from .simulation import Trace

__all__ = ["plot_trace", "plot_turn", "changed_nodes"]

_CELL = 1.6            # width of one node's slot inside a room box
_ROOM_COLUMNS = 4      # node slots per row inside a room box
_COLORS = {"room": "#dddddd", "object": "#7aa6d6", "person": "#8cc084", "agent": "#f2b134", "changed": "#e4572e"}


def changed_nodes(before: SceneGraph, after: SceneGraph) -> set[str]:
    """Nodes whose room, support, states or holder differ between the two scenes (the robot when it moved).

    Examples
    --------
    >>> a = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [{"id": "m", "class": "cup", "room": "k"}]})
    >>> changed_nodes(a, a)
    set()
    """
    def where(scene: SceneGraph, node: str) -> tuple:
        n = scene[node]
        support = tuple(sorted(scene.related(node, "on") | scene.related(node, "in")))
        return n.room, support, tuple(sorted(n.states.items(), key=str)), scene.agent.holding == node
    moved = {n for n in before.nodes if n in after.nodes and where(before, n) != where(after, n)}
    robot = before.agent
    if (robot.room, robot.near) != (after.agent.room, after.agent.near):
        moved.add(robot.id)
    return moved


def plot_trace(trace: Trace, directory: str | Path) -> list[Path]:
    """One PNG per instruction in `directory` (``turn_01.png`` ...): the scene before and after it."""
    return [plot_turn(t.before, t.after, Path(directory) / f"turn_{i:02d}.png", f"{i}: {t.result.instruction}")
            for i, t in enumerate(trace.turns, start=1)]


def plot_turn(before: SceneGraph, after: SceneGraph, path: str | Path, title: str = "") -> Path:
    """Draw `before` and `after` side by side into the PNG `path`; changed nodes are drawn in red.

    Needs matplotlib (a core dependency); it is imported here so that nothing else pays for it.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no display
    import matplotlib.pyplot as plt

    highlight = changed_nodes(before, after)
    figure, axes = plt.subplots(1, 2, figsize=(16, 8))
    for ax, scene, label in ((axes[0], before, "before"), (axes[1], after, "after")):
        _draw(ax, scene, highlight)
        ax.set_title(label)
    figure.suptitle(title)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path


def _layout(scene: SceneGraph) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float, float, float]]]:
    """Each node's (x, y) and each room's box (x, y, width, height): rooms on a grid, their nodes in rows."""
    rooms = sorted(n.id for n in scene.of_kind("room"))
    members: dict[str, list[str]] = {r: [] for r in rooms}
    for node in sorted(scene.of_kind("object", "person", "agent"), key=lambda n: (len(scene.supports(n.id)), n.id)):
        members.setdefault(node.room or "", []).append(node.id)
    columns = max(1, math.ceil(math.sqrt(len(members))))
    height = max(1, max(math.ceil(len(m) / _ROOM_COLUMNS) for m in members.values()) if members else 1) + 1
    positions, boxes = {}, {}
    for k, (room, nodes) in enumerate(members.items()):
        x0, y0 = (k % columns) * (_ROOM_COLUMNS + 1) * _CELL, -(k // columns) * (height + 1) * _CELL
        boxes[room] = (x0, y0 - height * _CELL, _ROOM_COLUMNS * _CELL, height * _CELL)
        for i, node in enumerate(nodes):
            positions[node] = (x0 + (i % _ROOM_COLUMNS + 0.5) * _CELL, y0 - (i // _ROOM_COLUMNS + 1) * _CELL)
    return positions, boxes


def _draw(ax, scene: SceneGraph, highlight: set[str]) -> None:
    from matplotlib.patches import Rectangle

    positions, boxes = _layout(scene)
    for room, (x, y, w, h) in boxes.items():
        ax.add_patch(Rectangle((x, y), w, h, facecolor=_COLORS["room"], edgecolor="gray", alpha=0.5))
        ax.text(x + 0.1, y + h - 0.3, room or "(no room)", fontsize=9, weight="bold")
    for node, (x, y) in positions.items():
        holder = scene[node].attributes.get("with")  # handed to a person (grounding.state.WorldState.to_scene)
        for parent in scene.related(node, "on") | scene.related(node, "in") | ({holder} if holder else set()):
            if parent in positions:
                ax.plot([x, positions[parent][0]], [y, positions[parent][1]], color="gray", linewidth=0.6)
    robot = scene.agent
    for other, style in ((robot.holding, "-"), (robot.near, ":")):
        if other in positions and robot.id in positions:
            (x0, y0), (x1, y1) = positions[robot.id], positions[other]
            ax.plot([x0, x1], [y0, y1], color=_COLORS["agent"], linestyle=style, linewidth=1.5)
    for node, (x, y) in positions.items():
        kind = scene[node].kind
        color = _COLORS["changed"] if node in highlight else _COLORS[kind]
        ax.scatter([x], [y], s=120, color=color, edgecolors="black", linewidths=0.5, zorder=3)
        ax.annotate(node, (x, y), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=6,
                    rotation=15)
    ax.set_aspect("equal")
    ax.axis("off")
