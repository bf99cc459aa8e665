"""The readable table of a result."""

from grounding import SceneGraph, format_result, ground_parse

from .conftest import parse_of


def test_table_shows_tasks_plan_and_questions(scene, library):
    parse = parse_of("take the red mug and bring it", "0 0 Picking ; 2 3 Theme | 5 5 Bringing ; 6 6 Theme",
                     "picking : take , theme : red mug :cup ; bringing : bring , theme : it :cup")
    text = format_result(ground_parse(parse, scene, library))
    assert 'Theme "red mug" -> mug_1' in text and "Plan\nstep" in text
    assert "navigate  destination=table_1" in text and "(inserted)" in text


def test_questions_and_errors_are_listed(scene, library):
    parse = parse_of("bring the mug to the shelf", "0 0 Bringing ; 2 2 Theme ; 5 5 Goal",
                     "bringing : bring , theme : mug :cup , goal : shelf :shelf")
    text = format_result(ground_parse(parse, scene, library))
    assert "Plan: none" in text
    assert "Questions\n  task 0 Theme \"mug\": Which mug do you mean" in text
    assert "Errors\n  task 0 Goal: object_not_found" in text


def test_an_empty_plan_says_why_when_nothing_else_does(scene, library):
    parse = parse_of("take the red mug", "0 0 Picking ; 2 3 Theme", "picking : take , theme : red mug :cup")
    holding = SceneGraph.from_dict(scene.to_dict() | {"agent": {"room": "kitchen", "holding": "mug_1"}})
    text = format_result(ground_parse(parse, holding, library))
    assert "Plan: none (what the instruction asks already holds)" in text
