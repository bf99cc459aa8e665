"""The ONNX Runtime encoders (float, and the opt-in int8 copy) against the torch one on a split: identical parses,
argument F1 of each, and the encoder's time per instruction (one at a time, medians, the paths taking turns).

    python benchmarks/onnx_parity.py [--data data/tage/test.jsonl] [--backend hybrid] [--limit N]
"""

import argparse
import json
import statistics
import time

import torch

from agent.decisions import parse_decisions
from agent.parsers import make_parser
from decoding.files import read_parses
from decoding.metrics import score
from decoding.parser import Words

COMPARED = ("torch", "onnx", "onnx-int8")  # the first is the reference


def run(data: str, backend: str, limit: int | None) -> dict:
    gold = read_parses(data)[:limit]
    items = [Words.of_parse(g) for g in gold]
    parsers = {name: make_parser(backend, runtime=name) for name in COMPARED}
    parses = {name: p.parse_many(items) for name, p in parsers.items()}
    times: dict[str, list[float]] = {name: [] for name in parsers}
    with torch.inference_mode():
        for i, words in enumerate(items):
            for name in COMPARED[i % 3:] + COMPARED[: i % 3]:  # taking turns: a busy moment hits all alike
                start = time.perf_counter()
                parsers[name].model.encoder([list(words.tokens)])
                times[name].append((time.perf_counter() - start) * 1000)
    report = {"data": data, "backend": backend, "n": len(gold), "torch_threads": torch.get_num_threads(),
              "arg_f1_torch": score(gold, parses["torch"]).arguments.f1,
              "encoder_ms_p50_torch": statistics.median(times["torch"])}
    for name in COMPARED[1:]:
        same = [parse_decisions(a) == parse_decisions(b)
                for a, b in zip(parses["torch"], parses[name], strict=True)]
        f1 = score(gold, parses[name]).arguments.f1
        report[name] = {"identical": sum(same) / len(same), "different_ids": [i for i, s in enumerate(same) if not s],
                        "arg_f1": f1, "arg_f1_minus_torch": f1 - report["arg_f1_torch"],
                        "encoder_ms_p50": statistics.median(times[name]),
                        "encoder_speedup_vs_torch": statistics.median(times["torch"]) / statistics.median(times[name])}
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/tage/test.jsonl")
    ap.add_argument("--backend", default="hybrid")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    print(json.dumps(run(args.data, args.backend, args.limit), indent=2))


if __name__ == "__main__":
    main()
