"""The shipped defaults, loaded once: the tagE vocabulary and the extractor checkpoint's folder."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from decoding.vocabulary import Vocabulary

from .resources import data_path

__all__ = ["default_vocabulary", "default_model_dir", "DEFAULT_TRAIN", "DEFAULT_DEV", "DEFAULT_TEST"]

DEFAULT_TRAIN, DEFAULT_DEV, DEFAULT_TEST = "train.jsonl", "dev.jsonl", "test.jsonl"


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The 16 task types, 17 roles, 88 grounding classes and the attribute marks of tagE."""
    return Vocabulary.from_dir(data_path("tage", "raw", "labels"))


def default_model_dir() -> Path:
    """The shipped extractor checkpoint (safetensors + config.json)."""
    return data_path("models", "extractor")
