"""The detailed evaluation report of `tage eval --report`: P/R/F1 per task type and role, the task-type confusion
matrix, calibration of the parse scores, latency."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from decoding.metrics import PRF, breakdown, correctness, expected_calibration_error
from decoding.parse import Parse

__all__ = ["build_report", "write_report", "timed_parses", "confusion", "calibration", "NONE", "BINS"]

NONE = "(none)"  # the confusion matrix's row of spurious tasks and column of missed ones
BINS = 10        # equal-width score bins of the reliability plot and of ECE


def timed_parses(parser, gold: Sequence[Parse]) -> tuple[list[Parse], list[float]]:
    """The parser's parse of each gold instruction (tokens as given), one at a time, and its latency in ms."""
    from decoding.parser import Words

    predicted, latencies = [], []
    for g in gold:
        started = time.perf_counter()
        predicted += parser.parse_many([Words.of_parse(g)])
        latencies.append((time.perf_counter() - started) * 1000)
    return predicted, latencies


def _prf(prf: PRF) -> dict:
    return {"precision": prf.precision, "recall": prf.recall, "f1": prf.f1, "correct": prf.correct,
            "predicted": prf.predicted, "gold": prf.gold}


def _trigger_pairs(gold: Parse, predicted: Parse) -> list[tuple[str, str]]:
    """(gold type, predicted type) of tasks paired by trigger text, `NONE` for a task without a partner."""
    unused = list(range(len(predicted.tasks)))
    pairs = []
    for task in gold.tasks:
        j = next((j for j in unused if predicted.tasks[j].trigger.text.lower() == task.trigger.text.lower()), None)
        pairs.append((task.type, NONE if j is None else predicted.tasks[j].type))
        if j is not None:
            unused.remove(j)
    return pairs + [(NONE, predicted.tasks[j].type) for j in unused]


def confusion(gold: Sequence[Parse], predicted: Sequence[Parse]) -> dict:
    """Task types of gold (rows) against predicted (columns), tasks paired by trigger text.

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> confusion([p], [p])
    {'labels': ['Picking', '(none)'], 'matrix': [[1, 0], [0, 0]]}
    """
    pairs = [pair for g, p in zip(gold, predicted, strict=True) for pair in _trigger_pairs(g, p)]
    labels = sorted({t for pair in pairs for t in pair} - {NONE}) + [NONE]
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in pairs:
        matrix[index[g]][index[p]] += 1
    return {"labels": labels, "matrix": matrix}


def _bins(scores: list[float], correct: list[bool]) -> list[dict]:
    out = []
    for k in range(BINS):
        inside = [(s, c) for s, c in zip(scores, correct, strict=True)
                  if k / BINS <= s < (k + 1) / BINS or (k == BINS - 1 and s == 1.0)]
        out.append({"low": k / BINS, "high": (k + 1) / BINS, "n": len(inside),
                    "accuracy": sum(c for _, c in inside) / len(inside) if inside else None,
                    "confidence": sum(s for s, _ in inside) / len(inside) if inside else None})
    return out


def _scored(items) -> dict:
    pairs = [(s, c) for s, c in items if s is not None]
    if not pairs:
        return {"skipped": "the parses carry no scores"}
    scores, correct = [s for s, _ in pairs], [c for _, c in pairs]
    return {"n": len(pairs), "accuracy": sum(correct) / len(pairs), "mean_score": sum(scores) / len(scores),
            "ece": expected_calibration_error(scores, correct, BINS), "bins": _bins(scores, correct)}


def calibration(gold: Sequence[Parse], predicted: Sequence[Parse]) -> dict:
    """Reliability of task and argument scores: per-bin accuracy against mean score, and the expected calibration
    error over `BINS` bins (`decoding.metrics.expected_calibration_error`).
    A predicted task or argument is correct when the reference metric matches it (`decoding.metrics.correctness`);
    parses without scores are skipped."""
    tasks, arguments = [], []
    for g, p in zip(gold, predicted, strict=True):
        task_ok, argument_ok = correctness(g, p)
        tasks += [(t.score, ok) for t, ok in zip(p.tasks, task_ok, strict=True)]
        arguments += [(a.score, ok) for t, oks in zip(p.tasks, argument_ok, strict=True)
                      for a, ok in zip(t.arguments, oks, strict=True)]
    return {"tasks": _scored(tasks), "arguments": _scored(arguments)}


def _latency(latencies: Sequence[float] | None) -> dict:
    if not latencies:
        return {"skipped": "no timing (scored from a predictions file)"}
    ordered = sorted(latencies)
    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))],
            "mean": statistics.fmean(ordered), "samples": list(latencies)}


def build_report(summary: dict, gold: Sequence[Parse], predicted: Sequence[Parse],
                 latencies: Sequence[float] | None = None) -> dict:
    """The JSON report: `summary` (the figures `tage eval --json` prints), per task type and role P/R/F1,
    the confusion matrix, calibration and latency."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold parses but {len(predicted)} predictions")
    per = breakdown(gold, predicted)
    return {"summary": summary,
            "task_types": {k: _prf(v) for k, v in per["task_types"].items()},
            "roles": {k: _prf(v) for k, v in per["roles"].items()},
            "confusion": confusion(gold, predicted), "calibration": calibration(gold, predicted),
            "latency_ms": _latency(latencies)}


def write_report(summary: dict, data: str | Path, predictions: str | Path | None, parser,
                 folder: str | Path) -> list[Path]:
    """Write `folder`/report.json and the figures for the gold file `data`, scoring the predictions file, or
    else `parser`'s parses timed one instruction at a time. Returns the files written."""
    import json

    from decoding.files import read_parses, write_atomic

    from .eval_figures import write_figures

    gold = read_parses(data)
    predicted, latencies = (read_parses(predictions), None) if predictions else timed_parses(parser, gold)
    report = build_report(summary, gold, predicted, latencies)
    path = Path(folder) / "report.json"
    write_atomic(path, json.dumps(report, indent=1, ensure_ascii=False))
    return [path, *write_figures(report, folder)]
