"""The Label Studio labeling config for parses: control names, the region ids, and the XML built from a vocabulary.

A task's trigger is a region of the `trigger` labels (its task type); each argument a region of the `role`
labels, with its grounding class chosen per region (`grounding`) and a relation argument -> trigger; each
attribute mark a region of the `attribute` labels with a relation mark -> argument. Region ids keep the parse's
order: ``t0`` is task 0's trigger, ``t0a1`` its argument 1, ``t0a1m0`` that argument's first attribute mark.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from decoding.vocabulary import Vocabulary

__all__ = ["TEXT", "TRIGGER", "ROLE", "ATTRIBUTE", "GROUNDING", "region_id", "region_order", "labeling_config"]

TEXT, TRIGGER, ROLE, ATTRIBUTE, GROUNDING = "text", "trigger", "role", "attribute", "grounding"

_REGION_ID = re.compile(r"^t(\d+)(?:a(\d+)(?:m(\d+))?)?$")


def region_id(task: int, argument: int | None = None, mark: int | None = None) -> str:
    """The id of a region written by the export.

    Examples
    --------
    >>> region_id(0), region_id(0, 1), region_id(2, 1, 0)
    ('t0', 't0a1', 't2a1m0')
    """
    return f"t{task}" + (f"a{argument}" if argument is not None else "") + (f"m{mark}" if mark is not None else "")


def region_order(rid: str) -> int | None:
    """The position an exported region had among its siblings, or None for a region an annotator added.

    Examples
    --------
    >>> region_order("t3"), region_order("t0a2"), region_order("t0a2m1"), region_order("x7Hq2")
    (3, 2, 1, None)
    """
    m = _REGION_ID.match(rid)
    if m is None:
        return None
    return int(next(g for g in reversed(m.groups()) if g is not None))


def _control(tag: str, name: str, values: tuple[str, ...], extra: str = "") -> str:
    item = "Label" if tag == "Labels" else "Choice"
    body = "\n".join(f"    <{item} value={quoteattr(v)}/>" for v in values)
    return f'  <{tag} name="{name}" toName="{TEXT}"{extra}>\n{body}\n  </{tag}>'


def labeling_config(vocabulary: Vocabulary) -> str:
    """The labeling config XML matching what `studio_export.to_studio_task` writes.

    Examples
    --------
    >>> from agent.defaults import default_vocabulary
    >>> '<Labels name="trigger"' in labeling_config(default_vocabulary())
    True
    """
    controls = [
        _control("Labels", TRIGGER, vocabulary.task_types, ' choice="single"'),
        _control("Labels", ROLE, vocabulary.roles, ' choice="single"'),
        _control("Labels", ATTRIBUTE, vocabulary.attributes, ' choice="single"'),
        f'  <Text name="{TEXT}" value="${TEXT}" granularity="word"/>',
        _control("Choices", GROUNDING, vocabulary.classes,
                 ' perRegion="true" choice="single" layout="select" required="false"'),
    ]
    return "<View>\n" + "\n".join(controls) + "\n</View>\n"
