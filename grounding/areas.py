"""Room areas on the floor plane: a polygon or a box, which point lies inside, which room a position is in."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["Area", "polygon_of", "contains", "surface", "rooms_at"]

Area = tuple[tuple[float, float], ...]   # a polygon's corners (x, y), in order; a box becomes its four corners


def polygon_of(area: Sequence[Sequence[float]] | dict) -> Area:
    """The corners of a polygon `[[x, y], ...]` or a box `{min: [x, y], max: [x, y]}`.

    Examples
    --------
    >>> polygon_of({"min": [0, 0], "max": [2, 1]})
    ((0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (0.0, 1.0))
    """
    if isinstance(area, dict):
        (x0, y0), (x1, y1) = area["min"], area["max"]
        return (float(x0), float(y0)), (float(x1), float(y0)), (float(x1), float(y1)), (float(x0), float(y1))
    return tuple((float(x), float(y)) for x, y in area)


def contains(area: Area, x: float, y: float) -> bool:
    """Whether (x, y) lies inside `area` or on its border (ray casting; the border counts as inside)."""
    inside = False
    for (x1, y1), (x2, y2) in zip(area, area[1:] + area[:1], strict=True):
        if _on_segment(x, y, x1, y1, x2, y2):
            return True
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    return abs(cross) <= 1e-9 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)


def surface(area: Area) -> float:
    """The area enclosed by the polygon (shoelace formula), in square metres."""
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(area, area[1:] + area[:1], strict=True))) / 2


def rooms_at(areas: dict[str, Area], x: float, y: float) -> list[str]:
    """The rooms whose area holds (x, y), smallest area first (a closet inside a bedroom is the closet)."""
    return sorted((r for r, a in areas.items() if contains(a, x, y)), key=lambda r: (surface(areas[r]), r))
