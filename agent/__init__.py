"""tage: instruction grounding for embodied agents.

instruction -> parse (`decoding`) -> ground and plan (`grounding`) -> result, composed by `Agent`.
"""

from .api import Agent

__all__ = ["Agent"]
