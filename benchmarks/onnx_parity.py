"""The extractor in ONNX Runtime (float, and the opt-in int8 copy of the encoding) against torch on a split:
identical parses, argument F1 of each, and the time per instruction of the encoding (`Extractor.encode`: the
transformer, pooling to words, the word BiGRU) and of a whole parse (one at a time, medians, the paths taking
turns).

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
    times: dict[tuple[str, str], list[float]] = {(name, what): [] for name in parsers for what in ("encode", "parse")}
    for i, words in enumerate(items):
        for name in COMPARED[i % 3:] + COMPARED[: i % 3]:  # taking turns: a busy moment hits all alike
            start = time.perf_counter()
            with torch.inference_mode():
                parsers[name].model.encode([list(words.tokens)])
            middle = time.perf_counter()
            parsers[name].parse_many([words])
            times[name, "encode"].append((middle - start) * 1000)
            times[name, "parse"].append((time.perf_counter() - middle) * 1000)
    p50 = {key: statistics.median(values) for key, values in times.items()}
    report = {"data": data, "backend": backend, "n": len(gold), "torch_threads": torch.get_num_threads(),
              "arg_f1_torch": score(gold, parses["torch"]).arguments.f1,
              "encode_ms_p50_torch": p50["torch", "encode"], "parse_ms_p50_torch": p50["torch", "parse"]}
    for name in COMPARED[1:]:
        same = [parse_decisions(a) == parse_decisions(b)
                for a, b in zip(parses["torch"], parses[name], strict=True)]
        f1 = score(gold, parses[name]).arguments.f1
        report[name] = {"identical": sum(same) / len(same), "different_ids": [i for i, s in enumerate(same) if not s],
                        "arg_f1": f1, "arg_f1_minus_torch": f1 - report["arg_f1_torch"],
                        "encode_ms_p50": p50[name, "encode"], "parse_ms_p50": p50[name, "parse"],
                        "encode_speedup_vs_torch": p50["torch", "encode"] / p50[name, "encode"],
                        "parse_speedup_vs_torch": p50["torch", "parse"] / p50[name, "parse"]}
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
