"""The generative baseline decoded three ways in one run: (a) stock outlines, (b) this project's constrained greedy,
(c) constrained + speculative. F1, valid rate, decoder calls, p50 / p95 ms, speedups and identical outputs.

Run from the repository root: `python benchmarks/generative.py [--limit N] [--threads 1] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import decoding  # noqa: E402,F401,I001  (switches the hub and torch.compile off before torch is imported)
import torch  # noqa: E402

from agent.defaults import default_generative_dir  # noqa: E402
from decoding.files import read_parses  # noqa: E402
from decoding.generative import get_decoder, load_generative  # noqa: E402
from decoding.metrics import score  # noqa: E402

WAYS = ("outlines", "constrained", "speculative", "constrained+spans", "speculative+spans")
REFERENCE = {"outlines": "constrained", "constrained": "constrained", "speculative": "constrained",
             "constrained+spans": "constrained+spans", "speculative+spans": "constrained+spans"}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] if ordered else 0.0


def _measure(decoder, gold) -> dict:
    outs, times = [], []
    for g in gold:
        start = time.perf_counter()
        outs.append(decoder(g.instruction, g.model_copy(update={"tasks": ()})))
        times.append((time.perf_counter() - start) * 1000)
    scores = score(gold, [o.parse for o in outs])
    return {"outputs": outs, "arg_f1": scores.arguments.f1, "task_f1": scores.tasks.f1,
            "exact_match": scores.exact_match, "valid": sum(o.valid for o in outs) / max(len(outs), 1),
            "calls": statistics.fmean(o.calls for o in outs) if outs else 0.0,
            "p50_ms": _percentile(times, 0.5), "p95_ms": _percentile(times, 0.95), "total_s": sum(times) / 1000}


def run(split: str, limit: int | None, checkpoint: str | Path) -> dict:
    """Decode `split` (its first `limit` instructions) with the three decoders; return the figures."""
    gold = read_parses(ROOT / "data" / "tage" / f"{split}.jsonl")[:limit]
    gm = load_generative(checkpoint)
    start = time.perf_counter()
    decoders = {w: get_decoder(w, gm) for w in WAYS}
    _ = gm.index  # compiled once, outside the timings, as outlines compiles its index when the Generator is built
    setup_ms = (time.perf_counter() - start) * 1000
    for d in decoders.values():  # warm-up
        d(gold[0].instruction, gold[0].model_copy(update={"tasks": ()}))
    results = {w: _measure(d, gold) for w, d in decoders.items()}
    texts = {w: [o.text for o in r.pop("outputs")] for w, r in results.items()}
    base = results["outlines"]
    for w, r in results.items():
        r["speedup_vs_outlines"] = base["total_s"] / r["total_s"] if r["total_s"] else 0.0
        r["identical_to_reference"] = _same(texts[w], texts[REFERENCE[w]])  # (c) vs (b), (a) vs (b)
    return {"split": split, "n": len(gold), "ways": results, "index_compile_ms": gm.index.compile_ms,
            "outlines_generator_ms": decoders["outlines"].compile_ms, "setup_ms": setup_ms,
            "c_equals_b": results["speculative"]["identical_to_reference"] == 1.0,
            "c_equals_b_spans": results["speculative+spans"]["identical_to_reference"] == 1.0,
            "b_equals_a_rate": _same(texts["constrained"], texts["outlines"]),
            "torch_threads": torch.get_num_threads(), "machine": f"{platform.machine()} {platform.processor()}"}


def _same(a: list[str], b: list[str]) -> float:
    return sum(x == y for x, y in zip(a, b, strict=True)) / max(len(a), 1)


def table(result: dict) -> str:
    """The figures as a plain-text table."""
    head = f"{'decoder':<17} {'arg F1':>7} {'task F1':>7} {'exact':>6} {'valid':>6} {'calls/inst':>10} " \
           f"{'p50 ms':>7} {'p95 ms':>7} {'speedup':>7} {'== ref':>7}"
    lines = [f"split {result['split']}, n={result['n']}, torch threads {result['torch_threads']}", head]
    for w, r in result["ways"].items():
        lines.append(f"{w:<17} {r['arg_f1']:7.3f} {r['task_f1']:7.3f} {r['exact_match']:6.3f} {r['valid']:6.3f} "
                     f"{r['calls']:10.1f} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['speedup_vs_outlines']:6.2f}x "
                     f"{r['identical_to_reference']:7.3f}")
    lines.append("== ref: identical outputs to constrained (for outlines and speculative) or to constrained+spans")
    lines.append(f"(c) == (b) on every instruction: {result['c_equals_b']} (with +spans: {result['c_equals_b_spans']});"
                 f" (b) == (a): "
                 f"{result['b_equals_a_rate']:.3f} of instructions")
    lines.append(f"index compile {result['index_compile_ms']:.0f} ms; outlines Generator build "
                 f"{result['outlines_generator_ms']:.0f} ms (both outside the timings)")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=None, help="only the first N instructions")
    parser.add_argument("--checkpoint", default=str(default_generative_dir()))
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = run(args.split, args.limit, args.checkpoint)
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
