"""Fixtures of the agent tests: the shipped agent, loaded once per test session."""

import pytest


@pytest.fixture(scope="session")
def shipped_agent():
    from agent import Agent

    return Agent.load()
