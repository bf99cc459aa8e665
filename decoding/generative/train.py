"""Training the generative baseline: the tokenizer, then the model on (instruction, compact JSON) pairs."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from ..parse import Parse
from .format import Labels, to_json
from .model import GenerativeConfig, GenerativeModel, build_model, save_generative
from .tokenizer import BOS, EOS, PAD, train_tokenizer

__all__ = ["TrainingSummary", "train_generative"]


@dataclass(frozen=True)
class TrainingSummary:
    """What a training run chose and cost; saved beside the checkpoint."""

    seed: int
    epochs: int
    best_epoch: int         # the epoch of lowest dev loss, the one kept
    dev_loss: float
    train_seconds: float


def _examples(tokenizer, parses: Sequence[Parse], max_len: int) -> list[tuple[list[int], list[int]]]:
    rows = []
    for p in parses:
        src = tokenizer(p.instruction)["input_ids"][:max_len] or [EOS]
        tgt = tokenizer(to_json(p))["input_ids"][: max_len - 1] + [EOS]
        rows.append((src, tgt))
    return rows


def _batch(rows):
    pad = lambda seqs, fill: torch.tensor([s + [fill] * (max(map(len, seqs)) - len(s)) for s in seqs])
    src = pad([r[0] for r in rows], PAD)
    tgt = [r[1] for r in rows]
    return {"input_ids": src, "attention_mask": (src != PAD).long(), "decoder_input_ids": pad([[BOS] + t[:-1]
            for t in tgt], PAD), "labels": pad(tgt, -100)}


@torch.no_grad()
def _loss(model, rows, batch_size: int = 64) -> float:
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(rows), batch_size):
        batch = _batch(rows[i : i + batch_size])
        n = int((batch["labels"] != -100).sum())
        total += float(model(**batch).loss) * n
        count += n
    return total / max(count, 1)


def _schedule(opt, steps: int):
    """Linear warm-up over a tenth of the steps (at most 200), then linear decay to 2% of the rate."""
    warmup = max(1, min(200, steps // 10))
    shape = lambda s: min((s + 1) / warmup, max(0.02, (steps - s) / max(1, steps - warmup)))
    return torch.optim.lr_scheduler.LambdaLR(opt, shape)


def _epoch(model, rows, opt, sched, order: random.Random, batch_size: int) -> float:
    """One pass over `rows` in the order `order` shuffles them; the mean batch loss."""
    model.train()
    idx = list(range(len(rows)))
    order.shuffle(idx)
    total = 0.0
    for i in range(0, len(idx), batch_size):
        loss = model(**_batch([rows[j] for j in idx[i : i + batch_size]])).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        total += loss.item()
    return total / math.ceil(len(idx) / batch_size)


def _fit(model, rows, dev_rows, seed: int, epochs: int, batch_size: int, lr: float,
         log: Callable[[str], None]) -> tuple[int, float]:
    """Train `epochs` passes and leave `model` at the epoch of lowest dev loss: (that epoch, its dev loss)."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = _schedule(opt, epochs * math.ceil(len(rows) / batch_size))
    order = random.Random(seed)
    best, best_epoch, best_state, t0 = math.inf, 0, None, time.time()
    for epoch in range(1, epochs + 1):
        train_loss = _epoch(model, rows, opt, sched, order, batch_size)
        dev_loss = _loss(model, dev_rows)
        if dev_loss < best:
            best, best_epoch = dev_loss, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        log(f"epoch {epoch} train {train_loss:.4f} dev {dev_loss:.4f} best {best:.4f} {time.time() - t0:.0f}s")
    model.load_state_dict(best_state)
    return best_epoch, best


def train_generative(train: Sequence[Parse], dev: Sequence[Parse], labels: Labels, out: str | Path | None,
                     seed: int = 0, epochs: int = 30, log: Callable[[str], None] = print, batch_size: int = 32,
                     lr: float = 1e-3, config: GenerativeConfig | None = None
                     ) -> tuple[GenerativeModel, TrainingSummary]:
    """Train the tokenizer and the model on `train`, keep the epoch of lowest dev loss, save it to `out` (unless
    None).

    Deterministic for a seed (single-threaded torch gives the same numbers); the dev split only selects.
    """
    random.seed(seed)
    torch.manual_seed(seed)
    tokenizer = train_tokenizer([p.instruction for p in train] + [to_json(p) for p in train])
    config = replace(config or GenerativeConfig(), vocab_size=len(tokenizer))
    model = build_model(config)
    log(f"params {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M, embeddings "
        f"{model.get_input_embeddings().weight.numel() / 1e6:.2f}M, vocab {config.vocab_size}")
    rows, dev_rows = _examples(tokenizer, train, config.max_positions), _examples(tokenizer, dev, config.max_positions)
    t0 = time.time()
    best_epoch, best = _fit(model, rows, dev_rows, seed, epochs, batch_size, lr, log)
    gm = GenerativeModel(model, tokenizer, labels, config)
    summary = TrainingSummary(seed, epochs, best_epoch, best, time.time() - t0)
    if out is not None:
        save_generative(gm, out, asdict(summary))
    return gm, summary
