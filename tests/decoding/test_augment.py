import hashlib
import random

import pytest

from agent.defaults import default_vocabulary
from agent.resources import data_path
from decoding.augment import Augmenter, Phrasing, _Draft
from decoding.errors import DataError
from decoding.files import read_parses
from decoding.parse import Parse
from decoding.tage_format import read_row


@pytest.fixture(scope="module")
def phrasing():
    return Phrasing.load(data_path("augment", "phrasing.yaml"))


@pytest.fixture(scope="module")
def train():
    return read_parses(data_path("tage", "train.jsonl"))


def _pairs(parse: Parse) -> list:
    return [(t.type, t.trigger.text, [(a.role, a.span.text, a.grounding) for a in t.arguments]) for t in parse.tasks]


def test_every_variant_is_a_valid_parse_of_the_vocabulary(phrasing, train):
    variants = Augmenter(phrasing, seed=3).variants(train)
    assert len(variants) == sum(bool(p.tasks) for p in train)
    vocabulary = default_vocabulary()
    for v in variants:
        assert vocabulary.problems(v) == []
        assert Parse.model_validate(v.model_dump()) == v  # spans are the words they name


def test_variants_are_seeded(phrasing, train):
    a = Augmenter(phrasing, seed=1).variants(train[:50])
    b = Augmenter(phrasing, seed=1).variants(train[:50])
    assert a == b and a != Augmenter(phrasing, seed=2).variants(train[:50])


def test_wrapping_keeps_the_labels_and_moves_the_spans(phrasing):
    parse, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    augmenter = Augmenter(phrasing, seed=0)
    seen = set()
    for _ in range(40):
        draft = augmenter.vary(parse, [parse])
        seen.add(draft.instruction)
        picking = [t for t in draft.tasks if t.trigger.text.lower() == "pick"]
        assert picking and all(t.type == "Picking" for t in picking)
    assert len(seen) > 10  # phrasings differ


def test_substitution_relabels_the_class_everywhere_the_word_is_an_argument(phrasing):
    parse, _ = read_row("take the cup and put it on the table",
                        "0 0 Picking ; 2 2 Theme | 4 4 Placing ; 2 2 Theme ; 8 8 Goal",
                        "picking : take , theme : cup :cup ; placing : put , theme : cup :cup , goal : table :table")
    augmenter = Augmenter(phrasing, seed=0)
    for _ in range(30):
        augmenter.rng = random.Random(_)
        draft = augmenter.vary(parse, [parse])
        themes = [(a.span.text, a.grounding) for t in draft.tasks for a in t.arguments if a.role == "Theme"]
        # each copy of the instruction (chaining may add one) has its take / put pair with one shared Theme
        assert all(themes[k] == themes[k + 1] for k in range(0, len(themes), 2))


@pytest.mark.parametrize("text, problem", [("[1, 2]", "expected a mapping"), ("prefixes: []", "'prefixes' must be"),
                                          (": :", "cannot read")])
def test_a_bad_phrasing_file_names_the_file_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "phrasing.yaml"
    path.write_text(text)
    with pytest.raises(DataError, match=problem) as err:
        Phrasing.load(path)
    assert str(path) in str(err.value)


def test_a_request_to_you_makes_you_the_first_tasks_agent_as_tage_does(phrasing):
    parse, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    augmenter = Augmenter(phrasing, seed=0)
    seen = 0
    for _ in range(200):
        draft = augmenter.vary(parse, [parse])
        words = [w.lower() for w in draft.tokens]
        agents = [a for a in draft.tasks[0].arguments if a.role == "Agent"]
        if "you" in words[: words.index("pick")]:
            seen += 1
            assert [(a.span.text.lower(), a.grounding) for a in agents] == [("you", "unk")]
        else:
            assert not agents
    assert seen > 20


def test_a_relative_clause_goes_between_an_argument_and_its_relation(phrasing):
    parse, _ = read_row("take the book on the table", "0 0 Picking ; 2 2 Theme ; 5 5 Source",
                        "picking : take , theme : book :book , source : table :table")
    augmenter = Augmenter(phrasing, seed=0)
    clauses = {" ".join(c) for c in phrasing.relative_clauses}
    found = False
    for _ in range(100):
        text = augmenter.vary(parse, [parse]).instruction.lower()
        found |= any(f"{c} on" in text for c in clauses)
    assert found


def test_an_other_action_adds_words_but_no_task(phrasing):
    parse, _ = read_row("put the cup on the table", "0 0 Placing ; 2 2 Theme ; 5 5 Goal",
                        "placing : put , theme : cup :cup , goal : table :table")
    seen = set()
    for seed in range(40):
        augmenter = Augmenter(phrasing, seed=seed, chain=0, negate=0, other=1.0)
        augmenter._other_action(draft := _Draft.of(parse))
        variant = draft.to_parse()
        assert _pairs(variant) == _pairs(parse)
        assert len(variant.tokens) > len(parse.tokens)
        seen.add(variant.instruction.startswith("put"))
    assert seen == {True, False}  # before and after the instruction


def test_the_shipped_mix_is_drawn_as_it_was_trained(phrasing, train):
    # the shipped model's phrasings (seeded): the same since before `other_actions` existed (d568366). A change of
    # the phrasing lists or of the draws changes the digest: then the shipped checkpoint is no longer reproducible
    variants = Augmenter(phrasing, seed=5).variants(train[:40])
    digest = hashlib.sha256("\n".join(p.model_dump_json() for p in variants).encode()).hexdigest()
    assert digest == "b2f536c68acf4de7833bbb01695000ac8448a0b1fbf13c763edf50cd6df8e797"


def test_an_other_action_slot_must_name_a_kind_of_object(tmp_path, phrasing):
    path = tmp_path / "phrasing.yaml"
    text = data_path("augment", "phrasing.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("wipe the {fixture}", "wipe the {furniture}"), encoding="utf-8")
    with pytest.raises(DataError, match=r"other_actions use \['\{furniture\}'\]") as err:
        Phrasing.load(path)
    assert str(path) in str(err.value)
