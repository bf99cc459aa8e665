"""Comparing two evaluation reports (`tage eval --compare A.json B.json`): which figures got better, which worse."""

from __future__ import annotations

from pathlib import Path

from decoding.files import read_json

__all__ = ["flatten", "compare", "format_comparison", "load_report"]

_LOWER_IS_BETTER = ("ece", "p50", "p95", "mean")  # last part of a figure's name


def load_report(path: str | Path) -> dict:
    """A report written by `tage eval --report` (report.json) or printed by `tage eval --json`."""
    return read_json(path, dict, "an evaluation report is a JSON object")


def flatten(report: dict) -> dict[str, float]:
    """The comparable figures of a report, by dotted name.

    Examples
    --------
    >>> flatten({"summary": {"arg_f1": 0.8, "n": 5, "backend": "rules"}, "roles": {"Theme": {"f1": 0.9}}})
    {'arg_f1': 0.8, 'roles.Theme.f1': 0.9}
    """
    summary = report.get("summary", report)
    out = {k: v for k, v in summary.items() if isinstance(v, float)}
    for group in ("task_types", "roles"):
        out |= {f"{group}.{k}.f1": v["f1"] for k, v in report.get(group, {}).items()}
    for part, figures in report.get("calibration", {}).items():
        if "ece" in figures:
            out[f"calibration.{part}.ece"] = figures["ece"]
    out |= {f"latency_ms.{k}": report["latency_ms"][k] for k in ("p50", "p95") if k in report.get("latency_ms", {})}
    return out


def compare(a: dict, b: dict, tolerance: float = 1e-9) -> dict:
    """Figures of `b` against `a`: `better` and `worse` lists of (name, a, b), largest change first; lower is
    better for ECE and latency.

    Examples
    --------
    >>> compare({"arg_f1": 0.8, "task_f1": 0.9}, {"arg_f1": 0.85, "task_f1": 0.9})["better"]
    [('arg_f1', 0.8, 0.85)]
    """
    fa, fb = flatten(a), flatten(b)
    better, worse, same = [], [], 0
    for name in sorted(fa.keys() & fb.keys(), key=lambda k: -abs(fb[k] - fa[k])):
        change = (fb[name] - fa[name]) * (-1 if name.rsplit(".", 1)[-1] in _LOWER_IS_BETTER else 1)
        if abs(change) <= tolerance:
            same += 1
        else:
            (better if change > 0 else worse).append((name, fa[name], fb[name]))
    return {"better": better, "worse": worse, "unchanged": same,
            "only_in_a": sorted(fa.keys() - fb.keys()), "only_in_b": sorted(fb.keys() - fa.keys())}


def format_comparison(diff: dict, a: str, b: str) -> str:
    """The comparison as text: one line per figure that changed."""
    lines = [f"{b} against {a}:"]
    for kind in ("better", "worse"):
        lines.append(f"{kind} ({len(diff[kind])}):")
        lines += [f"  {name:<40} {x:8.4f} -> {y:8.4f}  ({y - x:+.4f})" for name, x, y in diff[kind]]
    lines.append(f"unchanged: {diff['unchanged']}")
    for side, name in (("only_in_a", a), ("only_in_b", b)):
        if diff[side]:
            lines.append(f"only in {name}: {', '.join(diff[side])}")
    return "\n".join(lines)
