"""Throughput of `tage annotate pre` (batched parse_many, chunked atomic writes) against one-by-one Agent.parse.

python benchmarks/annotate_throughput.py [--n 200] [--backend speculative] [--batch 64] [--ray-workers N]
Both sides parse the same raw test instructions (spaCy tokenisation included), in the same process, in alternating
rounds of one batch; the batched side includes writing the JSONL output. With --ray-workers, the same run on a local Ray
with N actors too (its start-up and model loads included), checked line for line against the batched output.
"""

import argparse
import tempfile
import time
from pathlib import Path

from agent import Agent
from agent.annotate import pre_annotate
from agent.resources import data_path
from decoding.files import read_parses
from decoding.parse import Parse
from decoding.parser import Words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--backend", default="speculative")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--ray-workers", type=int, default=0)
    args = ap.parse_args()
    texts = [p.instruction for p in read_parses(data_path("tage", "test.jsonl"))][: args.n]
    agent = Agent.load(backend=args.backend)
    agent.parse(texts[0])  # warm up: grammar, spaCy
    single, one_by_one, batched = [], 0.0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pre.jsonl"
        # Rounds of one batch alternate between the two sides, so a shared machine's load falls on both alike; each
        # round of annotate pre resumes the output of the last one.
        for k in range(0, len(texts), args.batch):
            started = time.perf_counter()
            single += [agent.parse(t) for t in texts[k : k + args.batch]]
            one_by_one += time.perf_counter() - started
            started = time.perf_counter()
            pre_annotate([Words.of(t) for t in texts[: k + args.batch]], out, agent.parser.parse_many, batch=args.batch)
            batched += time.perf_counter() - started
        print(f"{args.n} instructions, backend {args.backend}, batch {args.batch}: one by one "
              f"{args.n / one_by_one:.1f}/s, annotate pre {args.n / batched:.1f}/s, {one_by_one / batched:.2f}x; "
              f"{_agreement(single, _read(out))}")
        if args.ray_workers:
            _ray_row(args, out, batched)


def _ray_row(args, reference: Path, batched: float) -> None:
    from agent.annotate.distributed import pre_annotate_ray

    out = reference.with_name("ray.jsonl")
    items = [Words.of_parse(p) for p in _read(reference)]
    started = time.perf_counter()
    pre_annotate_ray(items, out, args.backend, batch=args.batch, workers=args.ray_workers)
    seconds = time.perf_counter() - started
    print(f"Ray, {args.ray_workers} local workers: {args.n / seconds:.1f}/s ({seconds:.1f} s with start-up), "
          f"{batched / seconds:.2f}x one process; {_agreement(_read(reference), _read(out))}")


def _read(path: Path) -> list[Parse]:
    return [Parse.model_validate_json(line) for line in path.read_text().splitlines()]


def _unscored(parse: Parse) -> Parse:
    tasks = tuple(t.model_copy(update={"score": None, "arguments": tuple(
        a.model_copy(update={"score": None}) for a in t.arguments)}) for t in parse.tasks)
    return parse.model_copy(update={"tasks": tasks})


def _agreement(a: list[Parse], b: list[Parse]) -> str:
    """Equal parses, and equal ones once scores are set aside (a padded batch moves a score's 4th decimal)."""
    same = sum(x == y for x, y in zip(a, b, strict=True))
    structure = sum(_unscored(x) == _unscored(y) for x, y in zip(a, b, strict=True))
    return f"identical {same}/{len(a)}, identical scores aside {structure}/{len(a)}"


if __name__ == "__main__":
    main()
