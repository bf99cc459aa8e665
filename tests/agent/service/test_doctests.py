"""The examples in the docstrings of the service and of the API modules it serves run."""

import doctest
import importlib

import pytest

MODULES = ["agent.answer", "agent.decisions", "agent.service.batcher", "agent.service.metrics", "agent.service.scenes"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    failures, tried = doctest.testmod(importlib.import_module(name))
    assert failures == 0 and tried > 0
