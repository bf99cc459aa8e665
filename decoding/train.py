"""Training the extractor on gold parses: seeded, CPU, model selection on the dev split only."""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from .augment import Augmenter
from .batching import Labels, targets
from .checkpoint import save_checkpoint
from .confidence import Calibration, ask_threshold, fit_platt
from .decoders import GreedyDecoder
from .errors import DataError
from .metrics import correctness, score
from .model import Extractor, ExtractorConfig
from .parse import Parse
from .parser import TaskParser, Words
from .vocabulary import Vocabulary

__all__ = ["TrainConfig", "train", "calibrate"]


@dataclass
class TrainConfig:
    """Optimisation settings; the defaults are those of the shipped model.

    One stage by default (`mix_from_start`): the tagE parses mixed with fresh augmented phrasings of each
    (`augment_copies` per parse per epoch) from the pretrained encoder, for `epochs`. Or two stages: the tagE parses
    alone (`epochs`), then a fine-tuning on the mix (`finetune_epochs`, learning rates scaled by
    `finetune_lr_scale`). Each stage keeps its epoch with the best dev argument F1; with `ema_decay`, of the moving
    average of the weights (`torch.optim.swa_utils`) rather than of the weights themselves."""

    seed: int = 0
    epochs: int = 30             # stage 1: passes over the training split (and its phrasings, in one stage)
    batch_size: int = 16
    lr: float = 1e-3             # decoder and word BiGRU
    encoder_lr: float = 5e-5     # fine-tuned top encoder layers
    weight_decay: float = 0.01
    clip: float = 1.0            # gradient norm clipping
    patience: int = 12           # stop a stage after this many epochs without a better dev argument F1
    finetune_epochs: int = 3     # two stages: passes over the training split and its augmented phrasings
    finetune_lr_scale: float = 0.3  # two stages: stage 2 starts at this fraction of the stage 1 learning rates
    augment_copies: int = 1      # fresh augmented phrasings of each training parse, per epoch of the mix
    mix_from_start: bool = True  # one stage on the augmented mix from the pretrained encoder (False: two stages)
    ema_decay: float = 0.0       # > 0: select and save an exponential moving average of the weights (per step)
    other_actions: float = 0.0   # share of the phrasings not chained or negated given an action outside the 16 types


def _cache_lower(model: Extractor, parses: Sequence[Parse]) -> list[dict]:
    """Run the frozen encoder layers once per sentence; training only runs the layers above."""
    cached = []
    with torch.inference_mode():
        for p in parses:
            pieces = model.encoder.pieces([list(p.tokens)])
            cached.append({**pieces, "hidden": model.encoder.lower(pieces)})
    return cached


def _collate(items: list[dict]) -> tuple[dict, torch.Tensor]:
    P = max(i["input_ids"].shape[1] for i in items)
    W = max(i["pool"].shape[1] for i in items)
    pad = lambda t, dims: torch.nn.functional.pad(t, dims)
    pieces = {"mask": torch.cat([pad(i["mask"], (0, P - i["mask"].shape[1])) for i in items]),
              "pool": torch.cat([pad(i["pool"], (0, P - i["pool"].shape[2], 0, W - i["pool"].shape[1]))
                                 for i in items])}
    hidden = torch.cat([pad(i["hidden"], (0, 0, 0, P - i["hidden"].shape[1])) for i in items])
    return pieces, hidden


def _dev_scores(model: Extractor, dev: Sequence[Parse]) -> dict:
    model.eval()
    predicted = TaskParser(model, GreedyDecoder()).parse_many([Words.of_parse(p) for p in dev])
    return score(dev, predicted).as_dict()


def train(train_parses: Sequence[Parse], dev_parses: Sequence[Parse], vocabulary: Vocabulary, out: str | Path,
          settings: TrainConfig | None = None, log: Callable[[str], None] = print,
          augmenter: Augmenter | None = None, meta: dict | None = None, init: Extractor | None = None) -> dict:
    """Train in one stage on the mix or in two (see `TrainConfig`), save the best dev epoch of the last stage to
    `out` with its calibration; returns its dev scores. `init` (a trained extractor) replaces stage 1 (it is
    fine-tuned on the mix); without an `augmenter` there is no mix. `meta` (the data mix, the command) is stored
    in the checkpoint's config."""
    s = settings or TrainConfig()
    torch.manual_seed(s.seed)
    rng = random.Random(s.seed)
    meta = {"train": vars(s), **(meta or {})}
    started = time.time()
    model = init
    mixed = s.mix_from_start and augmenter is not None
    if model is None:
        config = ExtractorConfig(list(vocabulary.task_types), list(vocabulary.roles), list(vocabulary.classes),
                                 list(vocabulary.attributes))
        model = Extractor(config)
        stage = _Stage(s.epochs, 1.0, s.augment_copies if mixed else 0, augmenter if mixed else None)
        best = _fit(model, train_parses, dev_parses, stage, s, rng, out, {**meta, "stage": 1}, log)
    if augmenter is not None and s.finetune_epochs and s.augment_copies and not (mixed and init is None):
        stage = _Stage(s.finetune_epochs, s.finetune_lr_scale, s.augment_copies, augmenter)
        best = _fit(model, train_parses, dev_parses, stage, s, rng, out, {**meta, "stage": 2}, log)
    elif init is not None:
        raise DataError("a warm start (init) without an augmenter and fine-tuning epochs trains nothing")
    best["train_seconds"] = round(time.time() - started, 1)
    calibration = calibrate(model, dev_parses)
    log(f"calibration on dev: task {calibration.task}, argument {calibration.argument}")
    save_checkpoint(model, out, {**meta, "dev": best, "calibration": calibration.to_dict(), "complete": True})
    return best


@dataclass
class _Stage:
    epochs: int
    lr_scale: float
    copies: int                  # augmented phrasings per parse per epoch
    augmenter: Augmenter | None


def _fit(model: Extractor, train_parses, dev_parses, stage: _Stage, s: TrainConfig, rng: random.Random, out,
         meta: dict, log) -> dict:
    """One stage: train `model` for `stage.epochs`, leave it at its best dev epoch; that epoch's dev scores."""
    labels = Labels(model.config)
    cached = _cache_lower(model, train_parses)
    enc_params = [p for p in model.encoder.layers.parameters()]
    rest = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("encoder.")]
    optimiser = torch.optim.AdamW([{"params": rest, "lr": s.lr * stage.lr_scale},
                                   {"params": enc_params, "lr": s.encoder_lr * stage.lr_scale}],
                                  weight_decay=s.weight_decay)
    size = (1 + stage.copies) * len(train_parses)
    steps = stage.epochs * ((size + s.batch_size - 1) // s.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda k: max(0.05, 1 - k / steps))
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(s.ema_decay)) if s.ema_decay else None
    scored = ema.module if ema is not None else model
    best, best_state, stale, started = None, None, 0, time.time()
    order = list(range(size))
    for epoch in range(1, stage.epochs + 1):
        variants = stage.augmenter.variants(train_parses, stage.copies) if stage.copies else []
        parses, lower = [*train_parses, *variants], cached + _cache_lower(model, variants)
        rng.shuffle(order)
        loss = _epoch(model, optimiser, schedule, order, lower, parses, labels, s, ema)
        dev = _dev_scores(scored, dev_parses)
        improved = best is None or dev["arg_f1"] > best["arg_f1"]
        log(f"stage {meta['stage']} epoch {epoch:3d}  loss {loss:.4f}  dev arg F1 {dev['arg_f1']:.4f}  grounded "
            f"{dev['arg_f1_grounded']:.4f}  task F1 {dev['task_f1']:.4f}  exact {dev['exact_match']:.4f}  "
            f"{time.time() - started:6.0f}s" + ("  *" if improved else ""))
        if improved:
            best, best_state, stale = {**dev, "epoch": epoch}, copy.deepcopy(scored.state_dict()), 0
            # saved now, so that an interrupted run keeps its best epoch
            save_checkpoint(scored, out, {**meta, "dev": best, "complete": False})
        else:
            stale += 1
            if stale >= s.patience:
                break
    model.load_state_dict(best_state)
    return best


def calibrate(model: Extractor, dev: Sequence[Parse]) -> Calibration:
    """Platt scaling of task and argument scores, fit on the model's greedy parses of `dev`, and the score below
    which an argument is better asked about (`ask_threshold`)."""
    model.eval()
    predicted = TaskParser(model, GreedyDecoder()).parse_many([Words.of_parse(p) for p in dev])
    raw = {"task": ([], []), "argument": ([], [])}
    for gold, parse in zip(dev, predicted, strict=True):
        tasks_ok, args_ok = correctness(gold, parse)
        for task, ok, arg_flags in zip(parse.tasks, tasks_ok, args_ok, strict=True):
            raw["task"][0].append(task.score)
            raw["task"][1].append(ok)
            raw["argument"][0].extend(a.score for a in task.arguments)
            raw["argument"][1].extend(arg_flags)
    calibration = Calibration(fit_platt(*raw["task"]), fit_platt(*raw["argument"]))
    scores = [calibration.apply("argument", r) for r in raw["argument"][0]]
    return replace(calibration, ask_below=ask_threshold(scores, raw["argument"][1]))


def _epoch(model, optimiser, schedule, order, cached, parses, labels, s: TrainConfig,
           ema: AveragedModel | None = None) -> float:
    model.train()
    model.encoder.embeddings.eval()
    model.encoder.frozen_layers.eval()
    total, batches = 0.0, 0
    for k in range(0, len(order), s.batch_size):
        idx = order[k : k + s.batch_size]
        pieces, hidden = _collate([cached[i] for i in idx])
        vectors = model.encoder.upper(hidden, pieces)
        lengths = torch.tensor([len(parses[i].tokens) for i in idx])
        loss = model.loss(vectors, lengths, targets([parses[i] for i in idx], labels))
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], s.clip)
        optimiser.step()
        schedule.step()
        if ema is not None:
            ema.update_parameters(model)
        total, batches = total + loss.item(), batches + 1
    return total / max(batches, 1)
