"""`MicroBatcher`: concurrent requests gathered for a few milliseconds and parsed in one batched call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Generic, TypeVar

from decoding.errors import TageError

__all__ = ["MicroBatcher", "Batched"]

Out = TypeVar("Out")


class Batched(Generic[Out]):
    """One item's output and its share of the batch's time in milliseconds."""

    __slots__ = ("value", "ms")

    def __init__(self, value: Out, ms: float) -> None:
        self.value, self.ms = value, ms


class MicroBatcher(Generic[Out]):
    """Runs `run` (e.g. `Agent.parse_many`) on the instructions submitted while it waits or while it is busy.

    Requests arriving while a batch runs form the next one, so batches grow with concurrency; and while requests
    come in company (the last batch held more than one), the first of a batch waits up to `window_s` for more. A
    lone client's request runs at once. One bad instruction does not fail its batch: the batch is
    then run item by item and only that item's caller gets the error.

    Examples
    --------
    >>> async def main():
    ...     batcher = MicroBatcher(lambda xs: [x.upper() for x in xs], window_s=0.005, max_batch=8)
    ...     batcher.start()
    ...     outs = await asyncio.gather(*(batcher.submit(x) for x in "abc"))
    ...     await batcher.stop()
    ...     return [o.value for o in outs], batcher.sizes
    >>> asyncio.run(main())
    (['A', 'B', 'C'], [3])
    """

    def __init__(self, run: Callable[[list[str]], Sequence[Out]], window_s: float, max_batch: int,
                 on_batch: Callable[[int], None] | None = None, executor: Executor | None = None) -> None:
        self.run, self.window_s, self.max_batch = run, window_s, max_batch
        self.executor = executor  # where `run` runs (default: the loop's); one thread keeps the model's memory in one
        #                           malloc arena instead of one per thread that ever ran it
        self.on_batch = on_batch
        self.sizes: list[int] = []  # sizes of the batches run so far (bounded: the last 1,000)
        self._queue: asyncio.Queue[tuple[str, asyncio.Future]] | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Start gathering, inside the running event loop."""
        self._queue = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Stop gathering; requests still queued are cancelled."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def submit(self, item: str) -> Batched[Out]:
        """The output for `item`, computed in a batch with whatever else arrives meanwhile."""
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        return await future

    async def _loop(self) -> None:
        while True:
            batch = await self._gather()
            await self._run(batch)

    async def _gather(self) -> list[tuple[str, asyncio.Future]]:
        batch = [await self._queue.get()]
        alone = not self.sizes or self.sizes[-1] == 1
        deadline = time.perf_counter() + (0.0 if alone else self.window_s)
        while len(batch) < self.max_batch:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), left))
            except TimeoutError:
                break
        return [(item, future) for item, future in batch if not future.done()]  # callers gone: skip

    async def _run(self, batch: list[tuple[str, asyncio.Future]]) -> None:
        if not batch:
            return
        self.sizes = [*self.sizes[-999:], len(batch)]
        if self.on_batch is not None:
            self.on_batch(len(batch))
        start = time.perf_counter()
        try:
            outputs = await self._call([item for item, _ in batch])
        except TageError:
            await asyncio.gather(*(self._run_alone(item, future) for item, future in batch))
            return
        except Exception as err:  # a server fault: every caller of the batch gets it
            for _, future in batch:
                _settle(future, error=err)
            return
        share = (time.perf_counter() - start) * 1000 / len(batch)
        for (_, future), output in zip(batch, outputs, strict=True):
            _settle(future, Batched(output, share))

    async def _call(self, items: list[str]) -> Sequence[Out]:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.run, items)

    async def _run_alone(self, item: str, future: asyncio.Future) -> None:
        start = time.perf_counter()
        try:
            (output,) = await self._call([item])
        except Exception as err:
            _settle(future, error=err)
            return
        _settle(future, Batched(output, (time.perf_counter() - start) * 1000))


def _settle(future: asyncio.Future, value: object = None, error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
