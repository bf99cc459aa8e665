"""The shipped defaults, loaded once: the tagE vocabulary (and, as they land, model and skill library)."""

from __future__ import annotations

from functools import lru_cache

from decoding.vocabulary import Vocabulary

from .resources import data_path

__all__ = ["default_vocabulary"]


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The 16 task types, 17 roles, 88 grounding classes and the attribute marks of tagE."""
    return Vocabulary.from_dir(data_path("tage", "raw", "labels"))
