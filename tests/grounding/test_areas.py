"""Room areas: polygons and boxes, points inside and on the border, the smallest of nested areas."""

import pytest

from grounding.areas import contains, polygon_of, rooms_at, surface

L_SHAPE = polygon_of([[0, 0], [4, 0], [4, 1], [1, 1], [1, 3], [0, 3]])


@pytest.mark.parametrize("x, y, inside", [
    (0.5, 2.0, True), (3.0, 0.5, True), (3.0, 2.0, False), (4.0, 0.5, True), (0.0, 0.0, True), (-0.1, 1, False),
])
def test_contains(x, y, inside):
    assert contains(L_SHAPE, x, y) is inside


def test_box_and_surface():
    box = polygon_of({"min": [0, 0], "max": [2, 3]})
    assert surface(box) == 6.0 and contains(box, 1, 1) and not contains(box, 3, 1)
    assert surface(L_SHAPE) == 6.0


def test_rooms_at_puts_the_smallest_first():
    areas = {"bedroom": polygon_of({"min": [0, 0], "max": [5, 5]}),
             "closet": polygon_of({"min": [4, 4], "max": [5, 5]})}
    assert rooms_at(areas, 4.5, 4.5) == ["closet", "bedroom"] and rooms_at(areas, 1, 1) == ["bedroom"]
    assert rooms_at(areas, 9, 9) == []
