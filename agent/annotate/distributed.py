"""Pre-annotation on a Ray cluster: Ray Data `map_batches` over a pool of stateful actors, one Agent per worker.

The output is the same JSONL as `pre.pre_annotate`, written by the driver in the same resumable, atomically
appended chunks, in input order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from decoding.errors import TageError

from .pre import DEFAULT_BATCH, DEFAULT_CHUNK, PreResult, append_atomic, done_lines, remove_stale_temporaries

if TYPE_CHECKING:
    from decoding.parser import Words

__all__ = ["pre_annotate_ray", "DEFAULT_WORKERS"]

DEFAULT_WORKERS = 2  # actors (model copies) when no cluster address is given: one per core here


class _ParseActor:
    """A Ray Data actor: loads the agent once, then parses batches of tokenised instructions."""

    def __init__(self, backend: str, model: str | None, runtime: str):
        from agent.api import Agent

        self.agent = Agent.load(model, backend, runtime=runtime)

    def __call__(self, batch: dict) -> dict:
        from decoding.parser import Words

        items = [Words(str(i), tuple(map(str, t)), tuple((int(a), int(b)) for a, b in o))
                 for i, t, o in zip(batch["instruction"], batch["tokens"], batch["offsets"], strict=True)]
        return {"line": [p.model_dump_json(exclude_none=True) for p in self.agent.parser.parse_many(items)]}


def _ray():
    try:
        import ray
    except ImportError as err:
        raise TageError("--ray needs Ray Data: pip install 'tage[distributed]'") from err
    return ray


def _connect(ray, address: str | None, workers: int) -> bool:
    """Join the cluster at `address`, else start a local Ray; True if this call started or joined it."""
    if ray.is_initialized():
        return False
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
    if address:
        ray.init(address=address, **quiet)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, **quiet)
    return True


def pre_annotate_ray(items: Sequence[Words], out: str | Path, backend: str, model: str | Path | None = None,
                     batch: int = DEFAULT_BATCH, chunk: int = DEFAULT_CHUNK, workers: int = DEFAULT_WORKERS,
                     address: str | None = None, progress: Callable[[int], None] | None = None,
                     runtime: str = "auto") -> PreResult:
    """`pre.pre_annotate` on Ray: the lines not yet in `out` are parsed by `workers` actors (on the cluster at
    `address`, else on a local Ray started here; each encoder run by `runtime`) and appended to `out` in order,
    `chunk` lines at a time."""
    ray = _ray()
    skipped = done_lines(out, items)
    remove_stale_temporaries(out)
    started = time.perf_counter()
    if skipped < len(items):
        connected = _connect(ray, address, workers)
        try:
            _run(ray, items[skipped:], out, batch, chunk, workers, progress,
                 actor={"backend": backend, "model": None if model is None else str(model), "runtime": runtime})
        finally:
            if connected:
                ray.shutdown()
    return PreResult(len(items), skipped, len(items) - skipped, time.perf_counter() - started)


def _run(ray, items, out, batch, chunk, workers, progress, actor: dict) -> None:
    """Parse `items` with `workers` actors (`_ParseActor(**actor)`) and append their lines to `out` in order,
    `chunk` at a time."""
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # lines come back in input order
    ctx.enable_progress_bars = False  # the caller's progress bar counts the lines
    rows = [{"instruction": w.instruction, "tokens": list(w.tokens), "offsets": [list(o) for o in w.offsets]}
            for w in items]
    parsed = ray.data.from_items(rows).map_batches(
        _ParseActor, batch_size=batch, compute=ray.data.ActorPoolStrategy(size=workers), fn_constructor_kwargs=actor)
    for lines in parsed.iter_batches(batch_size=chunk, batch_format="numpy"):
        append_atomic(out, "".join(line + "\n" for line in lines["line"]))
        if progress is not None:
            progress(len(lines["line"]))
