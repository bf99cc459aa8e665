"""The ONNX encoding's cost per instruction by batch size, in the same run: how much batching can share.

    python benchmarks/encoder_batch.py [--rounds 5]

The tagE dev and test instructions, sorted by length (as `parse_many` sorts them), go through the shipped
checkpoint's ONNX encoding (the transformer, pooling to words, the word BiGRU) in batches of 1, 8, 16, 32 and 64;
the batch sizes take turns in each round, medians of the rounds. At batch 1 the arithmetic per weight is small:
each run reads every weight matrix of the transformer's layers once, and the last line gives their size over the
batch-1 time per instruction (layer-weight bytes read per second).
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

from agent.parsers import make_parser
from agent.resources import data_path
from decoding.encoder import encoder_path
from decoding.files import read_parses

SIZES = (1, 8, 16, 32, 64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, choices=range(1, 101), metavar="1..100")
    args = ap.parse_args()
    parses = [*read_parses(data_path("tage", "dev.jsonl")), *read_parses(data_path("tage", "test.jsonl"))]
    words = sorted((list(p.tokens) for p in parses), key=len)
    model = make_parser("speculative", runtime="onnx").model
    batches = {size: [(model.encoder.pieces(words[k : k + size]), torch.tensor([len(w) for w in words[k : k + size]]))
                      for k in range(0, len(words), size)] for size in SIZES}
    times = {size: [] for size in SIZES}
    for _ in range(args.rounds):
        for size, pieces in batches.items():
            started = time.perf_counter()
            for batch, lengths in pieces:
                model.runtime.encode(batch, lengths)
            times[size].append((time.perf_counter() - started) / len(words) * 1e3)
    one = statistics.median(times[1])
    for size, values in times.items():
        ms = statistics.median(values)
        print(f"batch {size:>3}  {ms:6.2f} ms per instruction  {one / ms:5.2f}x batch 1")
    config = json.loads((Path(encoder_path()) / "config.json").read_text())
    h, inner, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    megabytes = layers * (4 * h * h + 2 * h * inner) * 4 / 1e6
    print(f"layer weights {megabytes:.1f} MB over the batch-1 time per instruction: {megabytes / one:.1f} GB/s "
          f"({len(words)} instructions, {args.rounds} rounds; {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()})")


if __name__ == "__main__":
    main()
