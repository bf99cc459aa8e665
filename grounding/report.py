"""A grounding result as readable text tables: tasks and bindings, the plan, questions, errors, warnings."""

from __future__ import annotations

from .result import Binding, GroundingResult

__all__ = ["format_result", "format_table"]


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """Rows under a header, columns padded to their widest cell.

    Examples
    --------
    >>> print(format_table(["a", "bb"], [["1", "2"]]))
    a  bb
    1  2
    """
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    return "\n".join(lines)


def _binding(b: Binding) -> str:
    if b.value is not None:
        return f'{b.role} "{b.span.text}" = {b.value}'
    target = b.node or ("?" + "|".join(b.candidates) if b.candidates else
                        "{" + ", ".join(b.members) + "}" if b.members else "-")
    return f'{b.role} "{b.span.text}" -> {target}'


def format_result(result: GroundingResult) -> str:
    """The tasks, the plan and any question, error or warning of `result`, as the CLI prints them.

    Examples
    --------
    >>> from decoding.parse import Parse
    >>> print(format_result(GroundingResult(instruction="hi", parse=Parse(instruction="hi", tokens=("hi",)))))
    Instruction: hi
    Plan: none (no task in the instruction)
    """
    parts = [f"Instruction: {result.instruction}"]
    if result.tasks:
        rows = [[str(t.task), t.type, t.skill or "-", t.status, "; ".join(_binding(b) for b in t.bindings) or "-"]
                for t in result.tasks]
        parts.append("Tasks\n" + format_table(["task", "type", "skill", "status", "bindings"], rows))
    if result.plan:
        rows = [[str(i), s.skill, " ".join(f"{k}={v}" for k, v in s.args.items()), str(s.from_task),
                 f"{s.assumes.get('robot_at') or '-'} / {s.assumes.get('holding') or '-'}"
                 + (" (inserted)" if s.inserted else "")]
                for i, s in enumerate(result.plan, start=1)]
        parts.append("Plan\n" + format_table(["step", "skill", "args", "task", "robot at / holding"], rows))
    else:
        parts.append("Plan: none" + _why_no_plan(result))
    if result.clarifications:
        parts.append("Questions\n" + "\n".join(f"  task {c.task} {c.role} \"{c.span}\": {c.question}"
                                               for c in result.clarifications))
    if result.errors:
        parts.append("Errors\n" + "\n".join(
            f"  task {e.task}{' ' + e.role if e.role else ''}: {e.code}: {e.message}"
            + (f" (nearest: {', '.join(e.nearest)})" if e.nearest else "") for e in result.errors))
    if result.warnings:
        parts.append("Warnings\n" + "\n".join(f"  task {w.task} {w.role or ''}: {w.message}" for w in result.warnings))
    return "\n".join(parts)


def _why_no_plan(result: GroundingResult) -> str:
    """Why an empty plan is empty when no question or error says it: nothing asked, or nothing left to do."""
    if result.clarifications or result.errors:
        return ""
    if not result.tasks:
        return " (no task in the instruction)"
    if all(t.status == "grounded" for t in result.tasks):
        return " (what the instruction asks already holds)"
    return ""
