"""Where speculative decoding's time goes: its verification pass alone, the whole speculative decoding and
greedy decoding, per instruction of the test split, in CPU time of one thread (steadier than wall-clock on a
shared machine); how often the rule baseline's draft passes whole; and how many tensor operations one pass runs.
It measures the torch path (thread CPU time does not count ONNX Runtime's threads); `tage bench --runtime onnx`
measures the default one.

    python benchmarks/speculative_cost.py [--limit N]
"""

import argparse
import json
import statistics
import time

import torch

from agent.defaults import default_model_dir, load_library, rule_parser
from agent.parsers import build_grammar
from decoding.checkpoint import load_checkpoint
from decoding.decoders import get_backend
from decoding.files import read_parses
from decoding.lockstep import Batch
from decoding.parser import TaskParser, Words


def _cpu_ms(fn) -> tuple[object, float]:
    start = time.thread_time()
    out = fn()
    return out, (time.thread_time() - start) * 1000


def _ops_per_pass(speculative, model, enc) -> int:
    from torch.profiler import ProfilerActivity, profile

    draft = speculative.draft(model, enc)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        Batch(model, [enc]).teacher_forced([0], [draft])
    return sum(1 for event in prof.events() if event.cpu_parent is None)


def run(limit: int | None) -> dict:
    torch.set_num_threads(1)
    gold = read_parses("data/tage/test.jsonl")[:limit]
    items = [Words.of_parse(g) for g in gold]
    model, _ = load_checkpoint(default_model_dir())
    grammar, rules = build_grammar(model.config, load_library()), rule_parser()
    greedy, speculative = get_backend("greedy"), get_backend("speculative", grammar)
    rows = []
    with torch.inference_mode():
        encoded = TaskParser(model, greedy).encode(items)
        for enc, words in zip(encoded, items, strict=True):
            enc.hint = rules.parse_many([words])[0]
            draft = speculative.draft(model, enc)
            _, pass_ms = _cpu_ms(lambda: Batch(model, [enc]).teacher_forced([0], [draft]))  # noqa: B023 (at once)
            out, spec_ms = _cpu_ms(lambda: speculative.decode(model, enc))  # noqa: B023
            _, greedy_ms = _cpu_ms(lambda: greedy.decode(model, enc))  # noqa: B023
            rows.append((pass_ms, spec_ms, greedy_ms, out.calls == 1))
        ops = _ops_per_pass(speculative, model, encoded[0])
    pass_ms, spec_ms, greedy_ms, whole = zip(*rows, strict=True)
    return {"n": len(rows), "pass_ms_p50": statistics.median(pass_ms), "speculative_ms_p50": statistics.median(spec_ms),
            "greedy_ms_p50": statistics.median(greedy_ms), "pass_share_of_greedy": sum(pass_ms) / sum(greedy_ms),
            "speedup_vs_greedy": sum(greedy_ms) / sum(spec_ms), "drafts_passing_whole": sum(whole) / len(whole),
            "tensor_ops_per_pass": ops}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None)
    report = run(ap.parse_args().limit)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
