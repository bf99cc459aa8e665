"""`tage bench`: every decoding backend measured in the same run on the same instructions and encoder outputs."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from decoding.backend_names import DECODER_NAMES, GREEDY

__all__ = ["run_bench", "format_bench", "bench_markdown"]


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run_bench(data: str | Path, model: str | Path | None = None, limit: int | None = None,
              batch_size: int = 32) -> dict:
    """Measure every backend on the instructions of `data` (a JSONL of parses); formats.md section 5."""
    import torch

    from decoding.checkpoint import load_checkpoint
    from decoding.decoders import get_backend
    from decoding.files import read_parses
    from decoding.metrics import score
    from decoding.parser import TaskParser, Words

    from .defaults import default_model_dir, default_vocabulary, load_library, rule_parser
    from .parsers import build_grammar

    gold = read_parses(data)[:limit]
    items = [Words.of_parse(g) for g in gold]
    extractor, _ = load_checkpoint(model or default_model_dir())
    library = load_library()
    grammar = build_grammar(extractor.config, library)
    spec, vocabulary, rules = grammar.spec, default_vocabulary(), rule_parser()
    with torch.inference_mode():
        encoded, encode_ms = _encode_each(TaskParser(extractor, get_backend(GREEDY)), items)
        rows, outputs = [], {}
        for name in DECODER_NAMES:
            _warm_up(extractor, get_backend(name, grammar), encoded[:10])
            parser = TaskParser(extractor, get_backend(name, grammar), rules)
            decoded, decode_ms, calls = _decode_each(extractor, parser.decoder, encoded, items, rules)
            parses = [parser.to_parse(w, d) for w, d in zip(items, decoded, strict=True)]
            outputs[name] = parses
            valid = sum(not vocabulary.problems(p) and not spec.problems(p) for p in parses)
            batched = _batched_rate(TaskParser(extractor, get_backend(name, grammar), rules, batch_size), items)
            rows.append({"backend": name, "arg_f1": score(gold, parses).arguments.f1,
                         "valid_rate": valid / len(parses), "decoder_calls_per_instruction": calls / len(parses),
                         "p50_ms": statistics.median(decode_ms), "p95_ms": _pct(decode_ms, 0.95),
                         "decode_ms_total": sum(decode_ms),
                         "e2e_ms_total": sum(decode_ms) + sum(encode_ms),
                         "instructions_per_s": len(parses) / (sum(decode_ms) + sum(encode_ms)) * 1000,
                         "instructions_per_s_batched": batched,
                         "encode_ms_p50": statistics.median(encode_ms)})
        mask = _mask_cost(extractor, grammar, encoded)
    _relate_to_greedy(rows, outputs)
    return {"data": str(data), "n": len(gold), "rows": rows, "grammar": _grammar_costs(grammar),
            "mask": mask, "machine": _machine()}


def _encode_each(parser, items):
    """Each instruction encoded alone (a robot parses one at a time); the same outputs feed every backend."""
    encoded, times = [], []
    parser.encode(items[:1])  # the first call pays for lazy initialisation
    for words in items:
        start = time.perf_counter()
        encoded.append(parser.encode([words])[0])
        times.append(_ms(time.perf_counter() - start))
    return encoded, times


def _warm_up(extractor, decoder, encoded) -> None:
    for enc in encoded:
        decoder.decode(extractor, enc)


def _decode_each(extractor, decoder, encoded, items, drafter):
    """Decode every instruction, timing the decoder (and the drafter's parse, for a drafting decoder)."""
    decoded, times, calls = [], [], 0
    for enc, words in zip(encoded, items, strict=True):
        start = time.perf_counter()
        if decoder.drafts:
            enc.hint = drafter.parse_many([words])[0]
        out = decoder.decode(extractor, enc)
        times.append(_ms(time.perf_counter() - start))
        decoded.append(out)
        calls += out.calls
    return decoded, times, calls


def _batched_rate(parser, items) -> float:
    start = time.perf_counter()
    parser.parse_many(items)
    return len(items) / (time.perf_counter() - start)


def _relate_to_greedy(rows: list[dict], outputs: dict) -> None:
    base = next(r for r in rows if r["backend"] == GREEDY)
    for row in rows:
        same = sum(a == b for a, b in zip(outputs[GREEDY], outputs[row["backend"]], strict=True))
        row["identical_to_greedy"] = same / len(outputs[GREEDY])
        row["speedup_vs_greedy"] = base["decode_ms_total"] / row["decode_ms_total"]
        row["e2e_speedup_vs_greedy"] = base["e2e_ms_total"] / row["e2e_ms_total"]


def _grammar_costs(grammar) -> dict:
    """Compile time of the default library's grammar: cold (empty cache) and from the on-disk cache."""
    from decoding.grammar import Grammar

    spec, space = grammar.spec, grammar.space
    cold, cached = [], []
    for _ in range(5):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            Grammar(spec, space, folder)
            cold.append(_ms(time.perf_counter() - start))
            start = time.perf_counter()
            Grammar(spec, space, folder)
            cached.append(_ms(time.perf_counter() - start))
    return {"compile_ms_cold_p50": statistics.median(cold), "load_ms_cached_p50": statistics.median(cached)}


def _mask_cost(extractor, grammar, encoded) -> dict:
    """Time spent computing allowed choices against time spent in decoder calls, constrained backend."""
    from decoding.decoders import ConstrainedDecoder, GrammarConstraints

    spent = {"mask": 0.0}

    class Timed(GrammarConstraints):
        pass

    for method in ("types", "starts", "ends", "roles", "took"):
        def timed(self, *args, _name=method, **kwargs):
            start = time.perf_counter()
            try:
                return getattr(GrammarConstraints, _name)(self, *args, **kwargs)
            finally:
                spent["mask"] += time.perf_counter() - start
        setattr(Timed, method, timed)

    class TimedDecoder(ConstrainedDecoder):
        def constraints(self, model, enc):
            return Timed(self.grammar, model, enc.n)

    decoder = TimedDecoder(grammar)
    start, calls = time.perf_counter(), 0
    for enc in encoded:
        calls += decoder.decode(extractor, enc).calls
    total = time.perf_counter() - start
    step = (total - spent["mask"]) / max(calls, 1)
    mask_per_call = spent["mask"] / max(calls, 1)
    return {"mask_us_per_decoder_call": mask_per_call * 1e6, "decoder_step_us": step * 1e6,
            "mask_share_of_step": mask_per_call / step if step else 0.0}


def _machine() -> dict:
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "torch": torch.__version__, "platform": platform.platform(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


_COLUMNS = [("backend", "{}"), ("arg_f1", "{:.4f}"), ("valid_rate", "{:.3f}"),
            ("decoder_calls_per_instruction", "{:.2f}"), ("p50_ms", "{:.2f}"), ("p95_ms", "{:.2f}"),
            ("instructions_per_s", "{:.1f}"), ("instructions_per_s_batched", "{:.1f}"),
            ("speedup_vs_greedy", "{:.2f}x"), ("identical_to_greedy", "{:.3f}"), ("encode_ms_p50", "{:.2f}"),
            ("e2e_speedup_vs_greedy", "{:.2f}x")]


def format_bench(report: dict) -> str:
    """The bench report as a plain-text table."""
    head = [name for name, _ in _COLUMNS]
    body = [[fmt.format(row[name]) for name, fmt in _COLUMNS] for row in report["rows"]]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(head)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *body]]
    g, m = report["grammar"], report["mask"]
    lines += ["", f"grammar compile: {g['compile_ms_cold_p50']:.1f} ms cold, {g['load_ms_cached_p50']:.2f} ms "
              f"from cache; mask: {m['mask_us_per_decoder_call']:.1f} us per decoder call = "
              f"{m['mask_share_of_step']:.1%} of a decoder step ({m['decoder_step_us']:.0f} us)",
              f"{report['n']} instructions of {report['data']}; machine: {report['machine']}"]
    return "\n".join(lines)


def bench_markdown(report: dict, command: str) -> str:
    """docs/benchmarks.md: the table, the machine, the command that produced them."""
    head = [name for name, _ in _COLUMNS]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows += ["| " + " | ".join(fmt.format(r[name]) for name, fmt in _COLUMNS) + " |" for r in report["rows"]]
    g, m, machine = report["grammar"], report["mask"], report["machine"]
    return "\n".join([
        "# Benchmarks", "", f"Produced by `{command}` on {machine['date']}; every row measured in the same run, on "
        f"the same {report['n']} instructions ({report['data']}) and the same encoder outputs.", "",
        "Decoding time excludes the encoder pass (reported beside it as `encode_ms_p50`); `e2e` includes it. "
        "Times are per instruction, one at a time; `instructions_per_s_batched` parses in batches of 32.", "",
        *rows, "",
        f"Grammar of the default skill library: compile {g['compile_ms_cold_p50']:.1f} ms cold, load "
        f"{g['load_ms_cached_p50']:.2f} ms from the on-disk cache (medians of 5).", "",
        f"Mask cost (constrained backend): {m['mask_us_per_decoder_call']:.1f} us per decoder call, "
        f"{m['mask_share_of_step']:.1%} of a decoder step ({m['decoder_step_us']:.0f} us).", "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()), ""])
