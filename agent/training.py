"""`tage train`: the extractor's or the generative baseline's training on the shipped (or given) splits."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from decoding.augment import Augmenter, Phrasing
from decoding.errors import DataError
from decoding.files import read_parses
from decoding.parse import Parse
from decoding.train import TrainConfig, train

from .defaults import DEFAULT_DEV, DEFAULT_TRAIN, default_labels_dir, default_vocabulary
from .resources import data_path

if TYPE_CHECKING:
    from decoding.generative import TrainingSummary

__all__ = ["train_extractor", "train_generative_baseline", "PHRASING"]

PHRASING = "phrasing.yaml"  # data/augment/: the augmentation's phrasing data


def _splits(train_file: Path | None, dev_file: Path | None) -> tuple[list[Parse], list[Parse]]:
    """The training and dev parses (default: the shipped tagE splits), their labels checked against tagE's."""
    vocabulary = default_vocabulary()
    train_file, dev_file = train_file or data_path("tage", DEFAULT_TRAIN), dev_file or data_path("tage", DEFAULT_DEV)
    train_parses, dev_parses = read_parses(train_file), read_parses(dev_file)
    for path, parses in ((train_file, train_parses), (dev_file, dev_parses)):
        problems = [f"line {i + 1}: {p}" for i, parse in enumerate(parses) for p in vocabulary.problems(parse)]
        if problems:
            raise DataError(f"{path}: labels outside the tagE vocabulary: {'; '.join(problems[:3])}")
    return train_parses, dev_parses


def train_extractor(train_file: Path | None, dev_file: Path | None, out: Path, seed: int = 0,
                    epochs: int | None = None, augment: int | None = None, init: Path | None = None,
                    finetune_epochs: int | None = None, mix_from_start: bool | None = None,
                    ema_decay: float | None = None, other_actions: float | None = None,
                    log: Callable[[str], None] = print) -> dict:
    """Train on `train_file` mixed with `augment` fresh phrasings of each parse per epoch (default: the shipped
    model's mix, in one stage from the pretrained encoder; `mix_from_start=False`: `train_file` alone, then a
    fine-tuning on the mix; `ema_decay`: select a moving average of the weights; `other_actions`: the share of the
    phrasings neither chained nor negated that get an action outside the 16 task types beside them), selecting on
    `dev_file` (never the test split); save to `out`; the best dev scores.
    `init`, a checkpoint folder, is fine-tuned on the mix instead."""
    from decoding.checkpoint import load_checkpoint

    train_parses, dev_parses = _splits(train_file, dev_file)
    overrides = {k: v for k, v in (("epochs", epochs), ("augment_copies", augment),
                                   ("finetune_epochs", finetune_epochs), ("mix_from_start", mix_from_start),
                                   ("ema_decay", ema_decay), ("other_actions", other_actions))
                 if v is not None}
    settings = TrainConfig(seed=seed, **overrides)
    model, init_meta = load_checkpoint(init) if init is not None else (None, None)
    meta = {"data": {"train": str(train_file or f"tage/{DEFAULT_TRAIN}"), "train_parses": len(train_parses),
                     "dev": str(dev_file or f"tage/{DEFAULT_DEV}"), "augment_copies": settings.augment_copies,
                     "phrasing": f"augment/{PHRASING}"},
            "command": "tage " + " ".join(sys.argv[1:]) if Path(sys.argv[0]).name == "tage" else "train_extractor"}
    if init_meta is not None:  # stage 1 came from this checkpoint: keep how it was made
        meta["init"] = {"path": str(init), "weights_sha256": init_meta.get("weights_sha256"),
                        "train": init_meta.get("train"), "dev": init_meta.get("dev")}
    augmenter = Augmenter(Phrasing.load(data_path("augment", PHRASING)), seed=seed, other=settings.other_actions)
    return train(train_parses, dev_parses, default_vocabulary(), out, settings, log, augmenter, meta, model)


def train_generative_baseline(train_file: Path | None, dev_file: Path | None, out: Path, seed: int = 0,
                              epochs: int | None = None, log: Callable[[str], None] = print) -> TrainingSummary:
    """The generative baseline (`decoding.generative`) trained like the extractor: the same splits, dev loss
    selects the epoch; returns its `TrainingSummary`."""
    from decoding.generative import Labels, train_generative

    train_parses, dev_parses = _splits(train_file, dev_file)
    labels = Labels.read(default_labels_dir())
    _, summary = train_generative(train_parses, dev_parses, labels, out, seed, log=log,
                                  **({"epochs": epochs} if epochs else {}))
    return summary
