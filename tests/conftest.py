"""Shared fixtures: the shipped extractor, loaded once per test session."""

import pytest


@pytest.fixture(scope="session")
def shipped_parser():
    from agent.parsers import make_parser

    return make_parser("greedy")
