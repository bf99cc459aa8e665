"""The PNG figures of an evaluation report: P/R/F1 bars, the task-type confusion matrix, reliability, latency."""

from __future__ import annotations

import io
from pathlib import Path

__all__ = ["write_figures"]


def _save(fig, path: Path) -> Path:
    from decoding.files import write_atomic

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    write_atomic(path, buffer.getvalue())
    return path


def _prf_bars(per: dict, title: str, path: Path) -> Path:
    from matplotlib.figure import Figure

    labels = list(per)
    fig = Figure(figsize=(max(6, 0.55 * len(labels)), 4))
    ax = fig.add_subplot()
    for k, metric in enumerate(("precision", "recall", "f1")):
        ax.bar([i + (k - 1) * 0.27 for i in range(len(labels))], [per[x][metric] for x in labels], 0.27,
               label=metric)
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(loc="lower right")
    return _save(fig, path)


def _confusion(matrix: dict, path: Path) -> Path:
    from matplotlib.figure import Figure

    labels, counts = matrix["labels"], matrix["matrix"]
    fig = Figure(figsize=(0.5 * len(labels) + 3, 0.5 * len(labels) + 2))
    ax = fig.add_subplot()
    image = ax.imshow(counts, cmap="Blues")
    for i, row in enumerate(counts):
        for j, n in enumerate(row):
            if n:
                ax.text(j, i, n, ha="center", va="center", fontsize=7, color="white" if n > max(map(max, counts)) / 2
                        else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted task type")
    ax.set_ylabel("gold task type")
    ax.set_title("Task types (tasks paired by trigger)")
    fig.colorbar(image, ax=ax)
    return _save(fig, path)


def _reliability(calibration: dict, path: Path) -> Path | None:
    from matplotlib.figure import Figure

    scored = {k: v for k, v in calibration.items() if "bins" in v}
    if not scored:
        return None
    fig = Figure(figsize=(5 * len(scored), 4.5))
    for k, (name, part) in enumerate(scored.items(), start=1):
        ax = fig.add_subplot(1, len(scored), k)
        full = [b for b in part["bins"] if b["n"]]
        ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
        ax.bar([b["low"] for b in full], [b["accuracy"] for b in full], width=0.1, align="edge", alpha=0.7,
               edgecolor="black", label="accuracy in bin")
        ax.plot([b["confidence"] for b in full], [b["accuracy"] for b in full], "o-", color="C1", label="mean score")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("score")
        ax.set_ylabel("share correct")
        ax.set_title(f"{name}: ECE {part['ece']:.3f} (n={part['n']})")
        ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def _latency(latency: dict, path: Path) -> Path | None:
    from matplotlib.figure import Figure

    if "samples" not in latency:
        return None
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.hist(latency["samples"], bins=40)
    for name in ("p50", "p95"):
        ax.axvline(latency[name], color="C1" if name == "p50" else "C3", label=f"{name} {latency[name]:.1f} ms")
    ax.set_xlabel("parse latency per instruction (ms)")
    ax.set_ylabel("instructions")
    ax.legend()
    return _save(fig, path)


def write_figures(report: dict, folder: str | Path) -> list[Path]:
    """Write the report's PNGs into `folder`; the reliability plot and the latency histogram only when the
    report has scores and timings. Returns the files written."""
    folder = Path(folder)
    written = [_prf_bars(report["task_types"], "Tasks per type", folder / "prf_task_types.png"),
               _prf_bars(report["roles"], "Arguments per role", folder / "prf_roles.png"),
               _confusion(report["confusion"], folder / "confusion_task_types.png"),
               _reliability(report["calibration"], folder / "reliability.png"),
               _latency(report["latency_ms"], folder / "latency.png")]
    return [p for p in written if p is not None]
