"""The predicate language: literals, arity, parameters, effects only on fluents."""

import re

import pytest

from grounding.predicates import Literal, parse_literal


@pytest.mark.parametrize("text, expected", [
    ("hand_empty", Literal("hand_empty")),
    ("holding(object)", Literal("holding", ("object",))),
    ("not opened( box )", Literal("opened", ("box",), negated=True)),
    ("located(object, target)", Literal("located", ("object", "target"))),
    ("has(object, openable)", Literal("has", ("object", "openable"))),
])
def test_reads_literals(text, expected):
    assert parse_literal(text, {"object", "target", "box"}) == expected


@pytest.mark.parametrize("text, problem", [
    ("flying(object)", "unknown predicate 'flying'"),
    ("holding(object, target)", "holding takes 1 argument"),
    ("holding(thing)", "'thing', which is not a parameter"),
    ("holding(object", "is not a literal"),
    ("", "is not a literal"),
])
def test_rejects_bad_literals(text, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_literal(text, {"object", "target"})


def test_effects_must_be_fluents():
    with pytest.raises(ValueError, match="'accessible' cannot be an effect"):
        parse_literal("accessible(object)", {"object"}, effect=True)
    assert parse_literal("not holding(object)", {"object"}, effect=True).negated
