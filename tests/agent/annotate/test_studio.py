"""Label Studio export and import: lossless on the tagE test split; bad exports reported by item, rest kept."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from agent.annotate import (
    AnnotationError,
    Problems,
    from_studio_tasks,
    labeling_config,
    read_studio_export,
    to_studio_task,
    to_studio_tasks,
)
from agent.defaults import default_vocabulary
from decoding.files import read_parses
from decoding.parse import Parse
from decoding.tage_format import read_row

TEST = Path(__file__).resolve().parents[3] / "data" / "tage" / "test.jsonl"
VOCAB = default_vocabulary()


def _import(tasks):
    return from_studio_tasks(json.loads(json.dumps(tasks)), VOCAB, Problems("export.json"))


@pytest.fixture
def cup() -> Parse:
    parse, _ = read_row("pick the red cup", "0 0 Picking ; 2 3 Theme -2 2 isColour",
                        "picking : pick , theme : red cup :cup")
    return parse


def test_whole_test_split_round_trips():
    gold = read_parses(TEST)
    back = _import(to_studio_tasks(gold))
    assert not back.problems
    assert sum(a == b for a, b in zip(gold, back.parses, strict=True)) == len(gold) == 580


def test_config_names_every_label():
    root = ET.fromstring(labeling_config(VOCAB))
    values = {c.get("name"): {x.get("value") for x in c} for c in root if c.get("name") != "text"}
    assert values == {"trigger": set(VOCAB.task_types), "role": set(VOCAB.roles),
                      "attribute": set(VOCAB.attributes), "grounding": set(VOCAB.classes)}


def test_scores_become_prediction_scores_and_come_back(cup):
    task = cup.tasks[0]
    scored = cup.model_copy(update={"tasks": (task.model_copy(update={
        "score": 0.9, "arguments": (task.arguments[0].model_copy(update={"score": 0.4}),)}),)})
    exported = to_studio_task(scored)
    assert exported["predictions"][0]["score"] == 0.4
    assert _import([exported]).parses == [scored]


def test_annotation_wins_over_prediction(cup):
    task = to_studio_task(cup)
    task["annotations"] = [{"result": [], "was_cancelled": False}]
    back = _import([task])
    assert back.parses[0].tasks == () and back.sources == {"annotations": 1}


def _results(cup):
    return to_studio_task(cup)["predictions"][0]["result"]


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r[0]["value"].update(start=40, end=44), "region t0: span 40-44 is outside the text of 16"),
    (lambda r: r[1]["value"].update(labels=["Theme", "Goal"]), "region t0a0: 2 labels ['Theme', 'Goal']"),
    (lambda r: r.append({"type": "relation", "from_id": "t0a0", "to_id": "zz"}), "relation t0a0 -> zz: no region zz"),
    (lambda r: r[1]["value"].update(labels=["Thema"]), "region t0a0: unknown role label 'Thema'"),
    (lambda r: r[2]["value"].update(choices=["mug?"]), "region t0a0: grounding ['mug?'] is not one known class"),
])
def test_bad_regions_are_reported_by_item(cup, mutate, message):
    good, bad = to_studio_task(cup), to_studio_task(cup)
    mutate(bad["predictions"][0]["result"])
    bad["id"] = 7
    back = _import([good, bad, good])
    assert len(back.parses) == 3 and back.parses[0] == back.parses[2] == cup
    assert [p.where for p in back.problems.items][:1] == ["item 2 (task id 7)"]
    assert message in back.problems.items[0].message


def test_argument_without_relation_is_dropped_and_reported(cup):
    task = to_studio_task(cup)
    result = task["predictions"][0]["result"]
    task["predictions"][0]["result"] = [r for r in result if r.get("type") != "relation" or r["from_id"] != "t0a0"]
    back = _import([task])
    assert back.parses[0].tasks[0].arguments == ()
    assert "region t0a0 (Theme 'red cup') is related to no trigger" in str(back.problems.items[0])


def test_added_regions_follow_the_exported_ones(cup):
    task = to_studio_task(cup)
    task["predictions"][0]["result"] += [
        {"id": "new1", "from_name": "role", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 4, "labels": ["Agent"]}},
        {"type": "relation", "from_id": "t0", "to_id": "new1"}]  # drawn the other way round: accepted
    roles = [a.role for a in _import([task]).parses[0].tasks[0].arguments]
    assert roles == ["Theme", "Agent"]


def test_file_that_is_not_an_export_fails_clearly(tmp_path):
    (tmp_path / "x.json").write_text('{"data": 1}')
    with pytest.raises(AnnotationError, match=r"x.json: a Label Studio JSON export is a list of tasks"):
        read_studio_export(tmp_path / "x.json", VOCAB)
    (tmp_path / "y.json").write_bytes(b"[\xff]")
    with pytest.raises(Exception, match=r"y.json: not UTF-8"):
        read_studio_export(tmp_path / "y.json", VOCAB)
