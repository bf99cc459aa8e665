"""`tage bench`: every decoding backend measured in the same run on the same instructions and encoder outputs."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from decoding.backend_names import DECODER_NAMES, DEFAULT_BACKEND, GREEDY
from decoding.generative.names import (
    GENERATIVE_BACKENDS,
    GENERATIVE_CONSTRAINED,
    GENERATIVE_OUTLINES,
    GENERATIVE_SPECULATIVE,
)

from .decisions import parse_decisions

__all__ = ["run_bench", "format_bench", "bench_markdown", "time_generative", "TimedRun"]


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run_bench(data: str | Path, model: str | Path | None = None, limit: int | None = None,
              batch_size: int = 32, generative: str | Path | None = None, runtime: str = "auto") -> dict:
    """Measure every backend on the instructions of `data` (a JSONL of parses); formats.md section 5.

    `model` and `generative` are the extractor's and the generative baseline's checkpoints (default: shipped);
    `runtime` runs the extractor's encoding and teacher-forced pass (`agent.parsers.load_extractor`).
    """
    import torch

    from decoding.decoders import get_backend
    from decoding.files import read_parses
    from decoding.generative import load_generative
    from decoding.metrics import score
    from decoding.parser import TaskParser, Words

    from .defaults import default_generative_dir, default_vocabulary, load_library, rule_parser
    from .parsers import build_grammar, load_extractor

    gold = read_parses(data)[:limit]
    items = [Words.of_parse(g) for g in gold]
    extractor, _ = load_extractor(model, runtime)
    runtime = runtime if runtime != "auto" else "torch" if extractor.runtime is None else "onnx"
    generative = Path(generative or default_generative_dir())
    gm = load_generative(generative)  # loaded before anything is measured: a bad checkpoint fails fast
    library = load_library()
    grammar = build_grammar(extractor.config, library)
    spec, vocabulary, rules = grammar.spec, default_vocabulary(), rule_parser()
    with torch.inference_mode():
        encoded, encode_ms = _encode_each(TaskParser(extractor, get_backend(GREEDY)), items)
        rows, outputs = [], {}
        for name in DECODER_NAMES:  # throwaway instances: the measured ones start with empty draft tables
            _warm_up(extractor, get_backend(name, grammar), encoded[:10])
        decoders = {name: get_backend(name, grammar) for name in DECODER_NAMES}
        runs = _decode_in_turns(extractor, decoders, encoded, items, rules)
        for name, (decoded, decode_ms, calls) in runs.items():
            parser = TaskParser(extractor, decoders[name], rules)
            parses = [parser.to_parse(w, d) for w, d in zip(items, decoded, strict=True)]
            outputs[name] = parses
            valid = sum(not vocabulary.problems(p) and not spec.problems(p) for p in parses)
            batched = _batched_rate(TaskParser(extractor, get_backend(name, grammar), rules, batch_size), items)
            rows.append({"backend": name, "reference": GREEDY, "arg_f1": score(gold, parses).arguments.f1,
                         "valid_rate": valid / len(parses), "decoder_calls_per_instruction": calls / len(parses),
                         "p50_ms": statistics.median(decode_ms), "p95_ms": _pct(decode_ms, 0.95),
                         "decode_ms_total": sum(decode_ms),
                         "e2e_ms_total": sum(decode_ms) + sum(encode_ms),
                         "instructions_per_s": len(parses) / (sum(decode_ms) + sum(encode_ms)) * 1000,
                         "instructions_per_s_batched": batched,
                         "encode_ms_p50": statistics.median(encode_ms)})
        mask = _mask_cost(extractor, grammar, encoded)
        batches = _batch_throughput(TaskParser(extractor, get_backend(DEFAULT_BACKEND, grammar), rules), items)
    _relate(rows, outputs, GREEDY)
    generative_rows, generative_summary = _generative_rows(gold, gm, spec, rows[0])
    generative_summary["checkpoint"] = _shown(generative)
    return {"data": _shown(data), "n": len(gold), "runtime": runtime, "rows": rows + generative_rows,
            "grammar": _grammar_costs(grammar), "mask": mask, "batches": batches, "generative": generative_summary,
            "machine": _machine()}


@dataclass(frozen=True)
class TimedRun:
    """A generative decoder's outputs on a list of instructions and the time each took."""

    decoder: object
    outputs: list
    times_ms: list[float]


def time_generative(gm, names, gold: list) -> dict[str, TimedRun]:
    """Each generative decoder of `names` over `gm` on the instructions of `gold`, one at a time. Each is warmed
    up as a throwaway instance first, so that drafting tables start empty."""
    from decoding.generative import get_decoder

    timed = {}
    for name in names:
        warm = get_decoder(name, gm)
        for g in gold[:10]:
            warm(g.instruction, g.model_copy(update={"tasks": ()}))
        decoder, outs, times = get_decoder(name, gm), [], []
        for g in gold:
            start = time.perf_counter()
            outs.append(decoder(g.instruction, g.model_copy(update={"tasks": ()})))
            times.append(_ms(time.perf_counter() - start))
        timed[name] = TimedRun(decoder, outs, times)
    return timed


def _generative_rows(gold, gm, spec, greedy_row: dict) -> tuple[list[dict], dict]:
    """Rows of the generative baselines (their own encoder pass in every time), related to generative-constrained,
    their greedy reference (same output text), and end to end to the extractor's greedy row."""
    compile_ms = gm.index.compile_ms  # built outside the timings, as outlines builds its index with its Generator
    timed = time_generative(gm, GENERATIVE_BACKENDS, gold)
    rows = [_generative_row(name, run, gold, spec) for name, run in timed.items()]
    _relate(rows, {name: [o.text for o in run.outputs] for name, run in timed.items()}, GENERATIVE_CONSTRAINED,
            greedy_row)
    total = {row["backend"]: row["decode_ms_total"] for row in rows}
    return rows, {"index_compile_ms": compile_ms,
                  "speculative_vs_outlines": total[GENERATIVE_OUTLINES] / total[GENERATIVE_SPECULATIVE]}


def _generative_row(name: str, run: TimedRun, gold: list, spec) -> dict:
    from decoding.metrics import score

    from .defaults import default_vocabulary

    outs, times = run.outputs, run.times_ms
    parses, vocabulary = [o.parse for o in outs], default_vocabulary()
    valid = sum(not vocabulary.problems(p) and not spec.problems(p) for p in parses)
    return {"backend": name, "reference": GENERATIVE_CONSTRAINED, "arg_f1": score(gold, parses).arguments.f1,
            "valid_rate": valid / len(parses), "decoder_calls_per_instruction": statistics.fmean(o.calls for o in outs),
            "p50_ms": statistics.median(times), "p95_ms": _pct(times, 0.95), "decode_ms_total": sum(times),
            "e2e_ms_total": sum(times), "instructions_per_s": len(parses) / sum(times) * 1000,
            "instructions_per_s_batched": None, "encode_ms_p50": None}  # one at a time; encoder inside the times


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


def _shown(path: str | Path) -> str:
    """`path` relative to the working directory when inside it: reports name files the way the command did."""
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _decode_in_turns(extractor, decoders: dict, encoded, items, drafter) -> dict:
    """Decode every instruction with every decoder, timing each (with the drafter's parse, for a drafting
    decoder): name -> (decoded, times in ms, decoder calls). The decoders take turns on each instruction, in an
    order that rotates, so that the noise of a shared machine falls on all of them alike."""
    runs = {name: ([], [], 0) for name in decoders}
    names = list(decoders)
    for i, (enc, words) in enumerate(zip(encoded, items, strict=True)):
        for name in names[i % len(names):] + names[: i % len(names)]:
            decoder = decoders[name]
            start = time.perf_counter()
            if decoder.drafts:
                enc.hint = drafter.parse_many([words])[0]
            out = decoder.decode(extractor, enc)
            decoded, times, calls = runs[name]
            decoded.append(out)
            times.append(_ms(time.perf_counter() - start))
            runs[name] = (decoded, times, calls + out.calls)
    return runs


def _batched_rate(parser, items) -> float:
    start = time.perf_counter()
    parser.parse_many(items)
    return len(items) / (time.perf_counter() - start)


BATCH_SIZES = (1, 8, 64)


def _batch_throughput(parser, items, rounds: int = 3) -> dict:
    """Instructions per second of `parser.parse_many` (encoder, lockstep decoding and scoring) at each of
    `BATCH_SIZES`, the median of `rounds` runs that take turns; whether every batch size gives batch 1's parses
    (scores aside: a batch computes them with padding)."""
    rates: dict[int, list[float]] = {size: [] for size in BATCH_SIZES}
    parses = {}
    for _ in range(rounds):
        for size in BATCH_SIZES:
            parser.batch_size = size
            start = time.perf_counter()
            parses[size] = parser.parse_many(items)
            rates[size].append(len(items) / (time.perf_counter() - start))
    base = statistics.median(rates[1])
    return {"backend": parser.decoder.name, "rows": [
        {"batch": size, "instructions_per_s": statistics.median(rates[size]),
         "vs_batch_1": statistics.median(rates[size]) / base,
         "identical_to_batch_1": sum(parse_decisions(a) == parse_decisions(b)
                                     for a, b in zip(parses[1], parses[size], strict=True)) / len(items)}
        for size in BATCH_SIZES]}


def _batch_lines(report: dict) -> list[str]:
    b = report["batches"]
    return [f"batch {r['batch']:>3}: {r['instructions_per_s']:.1f} instructions/s = {r['vs_batch_1']:.2f}x batch 1, "
            f"identical to batch 1: {r['identical_to_batch_1']:.3f}" for r in b["rows"]]


def _relate(rows: list[dict], outputs: dict[str, list], reference: str, e2e_base: dict | None = None) -> None:
    """identical_to_greedy and speedup_vs_greedy against the row named `reference` (same outputs; decoding time),
    e2e_speedup_vs_greedy against `e2e_base` (default: that row)."""
    base = next(r for r in rows if r["backend"] == reference)
    e2e_base = e2e_base or base
    for row in rows:
        same = sum(a == b for a, b in zip(outputs[reference], outputs[row["backend"]], strict=True))
        row["identical_to_greedy"] = same / len(outputs[reference])
        row["speedup_vs_greedy"] = base["decode_ms_total"] / row["decode_ms_total"]
        row["e2e_speedup_vs_greedy"] = e2e_base["e2e_ms_total"] / row["e2e_ms_total"]


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


_COLUMNS = [("backend", "{}"), ("reference", "{}"), ("arg_f1", "{:.4f}"), ("valid_rate", "{:.3f}"),
            ("decoder_calls_per_instruction", "{:.2f}"), ("p50_ms", "{:.2f}"), ("p95_ms", "{:.2f}"),
            ("instructions_per_s", "{:.1f}"), ("instructions_per_s_batched", "{:.1f}"),
            ("speedup_vs_greedy", "{:.2f}x"), ("identical_to_greedy", "{:.3f}"), ("encode_ms_p50", "{:.2f}"),
            ("e2e_speedup_vs_greedy", "{:.2f}x")]


def _cells(row: dict) -> list[str]:
    return ["-" if row[name] is None else fmt.format(row[name]) for name, fmt in _COLUMNS]


def _generative_note(report: dict) -> str:
    g = report["generative"]
    return (f"generative-* rows: the generative baseline ({g['checkpoint']}), one instruction at a time, its encoder "
            f"pass inside p50/p95; their speedup_vs_greedy and identical_to_greedy (same output text) are relative "
            f"to their `reference`, generative-constrained (its greedy constrained decoding), e2e_speedup_vs_greedy "
            f"to the extractor's greedy end to end. generative-speculative is {g['speculative_vs_outlines']:.2f}x "
            f"faster than generative-outlines (stock outlines.Generator); format index compiled in "
            f"{g['index_compile_ms']:.0f} ms, outside the timings.")


def format_bench(report: dict) -> str:
    """The bench report as a plain-text table."""
    head = [name for name, _ in _COLUMNS]
    body = [_cells(row) for row in report["rows"]]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(head)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *body]]
    g, m = report["grammar"], report["mask"]
    lines += ["", f"grammar compile: {g['compile_ms_cold_p50']:.1f} ms cold, {g['load_ms_cached_p50']:.2f} ms "
              f"from cache; mask: {m['mask_us_per_decoder_call']:.1f} us per decoder call = "
              f"{m['mask_share_of_step']:.1%} of a decoder step ({m['decoder_step_us']:.0f} us)",
              _generative_note(report), f"parse_many with {report['batches']['backend']} by batch size:",
              *_batch_lines(report), f"{report['n']} instructions of {report['data']}; runtime: {report['runtime']}; "
              f"machine: {report['machine']}"]
    return "\n".join(lines)


def bench_markdown(report: dict, command: str) -> str:
    """docs/benchmarks.md: the table, the machine, the command that produced them."""
    head = [name for name, _ in _COLUMNS]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows += ["| " + " | ".join(_cells(r)) + " |" for r in report["rows"]]
    g, m, machine = report["grammar"], report["mask"], report["machine"]
    return "\n".join([
        "# Benchmarks", "", f"Produced by `{command}` on {machine['date']}; every row measured in the same run, on "
        f"the same {report['n']} instructions ({report['data']}); the extractor's rows on the same encoder "
        f"outputs, its encoding and teacher-forced pass run by {report['runtime']} (`--runtime`).", "",
        "Decoding time excludes the encoder pass (reported beside it as `encode_ms_p50`); `e2e` includes it. "
        "Times are per instruction, one at a time; the extractor's decoders take turns on each instruction (the "
        "order rotating) so that a shared machine's noise falls on all of them alike; "
        "`instructions_per_s_batched` parses in batches of 32.", "",
        *rows, "", _generative_note(report), "",
        f"Grammar of the default skill library: compile {g['compile_ms_cold_p50']:.1f} ms cold, load "
        f"{g['load_ms_cached_p50']:.2f} ms from the on-disk cache (medians of 5).", "",
        f"Mask cost (constrained backend): {m['mask_us_per_decoder_call']:.1f} us per decoder call, "
        f"{m['mask_share_of_step']:.1%} of a decoder step ({m['decoder_step_us']:.0f} us).", "",
        f"Throughput of `parse_many` ({report['batches']['backend']}: encoder, lockstep decoding, scores) by batch "
        "size, medians of 3 runs taking turns:", "", *[f"- {line}" for line in _batch_lines(report)], "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()), ""])
