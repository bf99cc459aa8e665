"""Error analysis of an extractor backend on a split: P/R/F1 per role and per task type.

    python benchmarks/error_analysis.py --data data/tage/test.jsonl --backend greedy
"""

import argparse

from agent.parsers import backend_names, make_parser
from decoding.files import read_parses
from decoding.metrics import breakdown
from decoding.parser import Words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/tage/test.jsonl")
    ap.add_argument("--backend", default="greedy", choices=backend_names())
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    gold = read_parses(args.data)
    predicted = make_parser(args.backend, args.model).parse_many([Words.of_parse(g) for g in gold])
    for name, table in breakdown(gold, predicted).items():
        print(f"\n{name:<28} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}")
        for label, prf in sorted(table.items(), key=lambda kv: -kv[1].gold):
            print(f"{label:<28} {prf.gold:>5} {prf.predicted:>5} {prf.precision:6.3f} {prf.recall:6.3f} {prf.f1:6.3f}")


if __name__ == "__main__":
    main()
