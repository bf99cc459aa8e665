"""The generative baseline decoded three ways in one run: (a) stock outlines, (b) this project's constrained greedy,
(c) constrained + speculative, (b) and (c) also with spans restricted to the instruction's words. F1, valid rate,
decoder calls, p50 / p95 ms, speedups and identical outputs.

Run from the repository root: `python benchmarks/generative.py [--limit N] [--threads 1] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import decoding  # noqa: E402,F401,I001  (switches the hub and torch.compile off before torch is imported)
import torch  # noqa: E402

from agent.bench import time_generative  # noqa: E402
from agent.defaults import default_generative_dir  # noqa: E402
from decoding.files import read_parses  # noqa: E402
from decoding.generative import (  # noqa: E402
    GENERATIVE_CONSTRAINED,
    GENERATIVE_OUTLINES,
    GENERATIVE_SPECULATIVE,
    load_generative,
)
from decoding.metrics import score  # noqa: E402

OUTLINES, CONSTRAINED, SPECULATIVE = GENERATIVE_OUTLINES, GENERATIVE_CONSTRAINED, GENERATIVE_SPECULATIVE
CONSTRAINED_SPANS, SPECULATIVE_SPANS = f"{CONSTRAINED}+spans", f"{SPECULATIVE}+spans"
# each way's reference: the greedy constrained decoding it must equal (outlines too, up to its own masking)
REFERENCE = {OUTLINES: CONSTRAINED, CONSTRAINED: CONSTRAINED, SPECULATIVE: CONSTRAINED,
             CONSTRAINED_SPANS: CONSTRAINED_SPANS, SPECULATIVE_SPANS: CONSTRAINED_SPANS}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] if ordered else 0.0


def _figures(run, gold) -> dict:
    outs, times = run.outputs, run.times_ms
    scores = score(gold, [o.parse for o in outs])
    return {"arg_f1": scores.arguments.f1, "task_f1": scores.tasks.f1, "exact_match": scores.exact_match,
            "valid": sum(o.valid for o in outs) / max(len(outs), 1),
            "calls": statistics.fmean(o.calls for o in outs) if outs else 0.0,
            "p50_ms": _percentile(times, 0.5), "p95_ms": _percentile(times, 0.95), "total_s": sum(times) / 1000}


def run(split: str, limit: int | None, checkpoint: str | Path) -> dict:
    """Decode `split` (its first `limit` instructions) with the five decoders; return the figures."""
    gold = read_parses(ROOT / "data" / "tage" / f"{split}.jsonl")[:limit]
    gm = load_generative(checkpoint)
    _ = gm.index  # compiled once, outside the timings, as outlines compiles its index when the Generator is built
    timed = time_generative(gm, REFERENCE, gold)
    results = {w: _figures(r, gold) for w, r in timed.items()}
    texts = {w: [o.text for o in r.outputs] for w, r in timed.items()}
    for w, r in results.items():
        r["speedup_vs_outlines"] = results[OUTLINES]["total_s"] / r["total_s"] if r["total_s"] else 0.0
        r["identical_to_reference"] = _same(texts[w], texts[REFERENCE[w]])  # (c) vs (b), (a) vs (b)
    return {"split": split, "n": len(gold), "ways": results, "index_compile_ms": gm.index.compile_ms,
            "outlines_generator_ms": timed[OUTLINES].decoder.compile_ms,
            "c_equals_b": results[SPECULATIVE]["identical_to_reference"] == 1.0,
            "c_equals_b_spans": results[SPECULATIVE_SPANS]["identical_to_reference"] == 1.0,
            "b_equals_a_rate": _same(texts[CONSTRAINED], texts[OUTLINES]),
            "torch_threads": torch.get_num_threads(), "machine": f"{platform.machine()} {platform.processor()}"}


def _same(a: list[str], b: list[str]) -> float:
    return sum(x == y for x, y in zip(a, b, strict=True)) / max(len(a), 1)


def table(result: dict) -> str:
    """The figures as a plain-text table."""
    head = f"{'decoder':<28} {'arg F1':>7} {'task F1':>7} {'exact':>6} {'valid':>6} {'calls/inst':>10} " \
           f"{'p50 ms':>7} {'p95 ms':>7} {'speedup':>7} {'== ref':>7}"
    lines = [f"split {result['split']}, n={result['n']}, torch threads {result['torch_threads']}", head]
    for w, r in result["ways"].items():
        lines.append(f"{w:<28} {r['arg_f1']:7.3f} {r['task_f1']:7.3f} {r['exact_match']:6.3f} {r['valid']:6.3f} "
                     f"{r['calls']:10.1f} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['speedup_vs_outlines']:6.2f}x "
                     f"{r['identical_to_reference']:7.3f}")
    lines.append(f"== ref: identical outputs to {CONSTRAINED} (for the first three) or to {CONSTRAINED_SPANS}")
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
