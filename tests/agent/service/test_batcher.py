import asyncio

from agent.service.batcher import MicroBatcher
from decoding.errors import DecodingError


def _run(items: list[str], window_s: float = 0.05, max_batch: int = 8, fail_on: str = "bad"):
    calls = []

    def run(batch: list[str]) -> list[str]:
        calls.append(list(batch))
        if fail_on in batch:
            raise DecodingError(f"cannot parse {fail_on!r}")
        return [x.upper() for x in batch]

    async def main():
        batcher = MicroBatcher(run, window_s, max_batch)
        batcher.start()
        outs = await asyncio.gather(*(batcher.submit(x) for x in items), return_exceptions=True)
        await batcher.stop()
        return outs, batcher.sizes

    outs, sizes = asyncio.run(main())
    return [o if isinstance(o, Exception) else o.value for o in outs], sizes, calls


def test_concurrent_items_share_batches_up_to_the_maximum():
    outs, sizes, _ = _run([f"x{i}" for i in range(20)], max_batch=8)
    assert outs == [f"X{i}" for i in range(20)] and sizes == [8, 8, 4]


def test_a_bad_item_fails_alone_and_the_rest_of_its_batch_is_served():
    outs, sizes, calls = _run(["a", "bad", "c"])
    assert outs[0] == "A" and outs[2] == "C" and isinstance(outs[1], DecodingError)
    assert sizes == [3] and calls[0] == ["a", "bad", "c"]
    assert sorted(calls[1:]) == [["a"], ["bad"], ["c"]]  # then each alone


def test_without_a_window_a_lone_item_runs_at_once():
    outs, sizes, _ = _run(["a"], window_s=0.0)
    assert outs == ["A"] and sizes == [1]
