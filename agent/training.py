"""`tage train`: the extractor's training on the shipped (or given) splits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from decoding.files import read_parses
from decoding.train import TrainConfig, train

from .defaults import DEFAULT_DEV, DEFAULT_TRAIN, default_vocabulary
from .resources import data_path

__all__ = ["train_extractor"]


def train_extractor(train_file: Path | None, dev_file: Path | None, out: Path, seed: int = 0,
                    epochs: int | None = None, log: Callable[[str], None] = print) -> dict:
    """Train on `train_file`, select on `dev_file` (never the test split), save to `out`; the best dev scores."""
    vocabulary = default_vocabulary()
    train_parses = read_parses(train_file or data_path("tage", DEFAULT_TRAIN))
    dev_parses = read_parses(dev_file or data_path("tage", DEFAULT_DEV))
    for path, parses in ((train_file, train_parses), (dev_file, dev_parses)):
        problems = [f"line {i + 1}: {p}" for i, parse in enumerate(parses) for p in vocabulary.problems(parse)]
        if problems:
            raise ValueError(f"{path}: labels outside the tagE vocabulary: {'; '.join(problems[:3])}")
    settings = TrainConfig(seed=seed, **({"epochs": epochs} if epochs else {}))
    return train(train_parses, dev_parses, vocabulary, out, settings, log)
