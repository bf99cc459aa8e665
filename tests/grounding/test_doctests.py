"""The examples in the grounding docstrings run."""

import doctest
import importlib

import pytest

MODULES = ["sources", "predicates", "skills", "scene", "describe", "question", "grounder", "pipeline", "report",
           "ai2thor", "synthetic", "state", "simulate", "affordances", "areas", "maps", "vocabulary", "embed"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"grounding.{name}")
    failures, _ = doctest.testmod(module)
    assert failures == 0
