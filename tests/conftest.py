"""Shared fixtures: the shipped extractor, loaded once per test session."""

import pytest


@pytest.fixture(scope="session")
def shipped_parser():
    from agent.parsers import make_parser

    # the torch path, whose weights can be saved and trained on; Agent.load() in tests/agent runs ONNX Runtime
    return make_parser("greedy", runtime="torch")
